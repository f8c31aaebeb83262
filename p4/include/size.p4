/*
 * nft-offload flowtable pipeline: table and counter sizes, in one place.
 *
 * Macros, not consts: table `size` and extern constructor arguments must be literals after
 * preprocessing for every backend. Changing a size changes the P4Info (tables.size,
 * counters.size): update ../flowtable.p4info.txtpb with it.
 */

#ifndef __FLOWTABLE_SIZE__
#define __FLOWTABLE_SIZE__

#define ACL_TABLE_SIZE      2048
#define FLOW_V4_TABLE_SIZE  65536
#define FLOW_V6_TABLE_SIZE  32768

// Indexed by a 9-bit port number (0..511, CPU_PORT 255 included).
#define PORT_COUNTER_SIZE   512
// Indexed by punt reason (bit<8>, 0..6 used).
#define PUNT_COUNTER_SIZE   16

#endif  // __FLOWTABLE_SIZE__
