package org.nftoffload.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nftoffload.p4runtime.ClientConfig;
import org.nftoffload.p4runtime.FlowEntries;
import org.nftoffload.p4runtime.P4RuntimeClient;
import org.nftoffload.p4runtime.TestP4Info;

/**
 * The device's entry table against a plain map model under random sets and drops of desired and mirrored entries
 * (growth, removals that shift probe runs, clearing the mirror), with keys whose entries differ only in the action.
 */
class EntryTableTest {

  static IntStream seeds() {
    return IntStream.range(0, 12);
  }

  /** Canonical bytes of flow entries: {@code keys} keys, each with two variants (egress port 1 or 2). */
  private static byte[][][] entries(int keys) throws Exception {
    try (P4RuntimeClient c = P4RuntimeClient.create(ClientConfig.of("127.0.0.1", 1, 1), TestP4Info.get(), null,
        new SplittableRandom(1))) {
      byte[][][] out = new byte[keys][2][];
      for (int i = 0; i < keys; i++) {
        out[i][0] = c.canonicalBytes(FlowEntries.flowV4(i, 1));
        out[i][1] = c.canonicalBytes(FlowEntries.flowV4(i, 2));
      }
      return out;
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void behavesLikeAMapOfKeyToDesiredAndMirror(int seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    byte[][][] e = entries(300);
    EntryTable t = new EntryTable();
    Map<Integer, byte[]> desired = new HashMap<>();
    Map<Integer, byte[]> mirror = new HashMap<>();
    for (int step = 0; step < 20_000; step++) {
      int k = r.nextInt(e.length);
      byte[] v = r.nextInt(4) == 0 ? null : e[k][r.nextInt(2)];
      EntryTable.Key key = new EntryTable.Key(e[k][r.nextInt(2)]);
      int op = r.nextInt(100);
      if (op < 50) {
        t.setDesired(key, v);
        put(desired, k, v);
      } else if (op < 99) {
        t.setMirror(key, v);
        put(mirror, k, v);
      } else {
        t.clearMirror();
        mirror.clear();
      }
      if (step % 1000 == 0 || step == 19_999) {
        check(t, e, desired, mirror, "seed " + seed + " step " + step);
      }
    }
  }

  private static void put(Map<Integer, byte[]> m, int k, byte[] v) {
    if (v == null) {
      m.remove(k);
    } else {
      m.put(k, v);
    }
  }

  private static void check(EntryTable t, byte[][][] e, Map<Integer, byte[]> desired, Map<Integer, byte[]> mirror,
      String where) {
    int present = 0;
    for (int k = 0; k < e.length; k++) {
      EntryTable.Key key = new EntryTable.Key(e[k][0]);
      assertArrayEquals(desired.get(k), t.desired(key), where + " desired " + k);
      assertArrayEquals(mirror.get(k), t.mirror(key), where + " mirror " + k);
      present += desired.containsKey(k) || mirror.containsKey(k) ? 1 : 0;
    }
    assertEquals(present, t.size(), where);
    List<byte[]> seen = new ArrayList<>();
    t.forEach((d, m) -> seen.add(d != null ? d : m));
    assertEquals(present, seen.size(), where);
  }

  @Test
  void equalDesiredAndMirrorShareOneSlot() throws Exception {
    byte[][][] e = entries(1);
    EntryTable t = new EntryTable();
    EntryTable.Key k = new EntryTable.Key(e[0][0]);
    t.setDesired(k, e[0][0]);
    t.setMirror(k, e[0][0].clone());
    assertEquals(1, t.storedEntries(), "desired and mirror are equal: one copy");
    t.setDesired(k, e[0][1]);
    assertEquals(2, t.storedEntries());
    assertArrayEquals(e[0][0], t.mirror(k), "the mirror keeps what the device holds");
    assertArrayEquals(e[0][1], t.desired(k));
    t.setMirror(k, e[0][1]);
    assertEquals(1, t.storedEntries(), "the old mirror's slot is freed once nothing refers to it");
    t.setMirror(k, null);
    t.setDesired(k, null);
    assertNull(t.desired(k));
    assertEquals(0, t.size());
    assertEquals(0, t.storedEntries());
  }

  @Test
  void freedSlotsAreReusedSoChurnDoesNotGrowTheSlab() throws Exception {
    byte[][][] e = entries(2000);
    EntryTable t = new EntryTable();
    for (int round = 0; round < 50; round++) {
      for (byte[][] v : e) {
        EntryTable.Key k = new EntryTable.Key(v[0]);
        t.setDesired(k, v[round % 2]);
        t.setMirror(k, v[round % 2]);
      }
      for (byte[][] v : e) {
        EntryTable.Key k = new EntryTable.Key(v[0]);
        t.setDesired(k, null);
        t.setMirror(k, null);
      }
      assertEquals(0, t.size());
      assertEquals(0, t.storedEntries());
    }
    // 2,000 entries of ~180 bytes fit one page; 50 rounds of churn must not have needed another
    assertEquals(1, t.pages());
  }

  @Test
  void anEntryLargerThanAQuarterPageGetsAPageOfItsOwnAndGivesItBack() {
    // table id 7, then one match field of 300 KiB: a valid key prefix, however odd
    int value = 300 * 1024;
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(value + 16);
    b.put((byte) 0x08).put((byte) 7); // field 1 (table_id), varint 7
    b.put((byte) 0x12); // field 2 (match), length-delimited
    putVarint(b, value);
    b.position(b.position() + value);
    byte[] entry = java.util.Arrays.copyOf(b.array(), b.position());
    EntryTable t = new EntryTable();
    EntryTable.Key k = new EntryTable.Key(entry);
    t.setDesired(k, entry);
    assertArrayEquals(entry, t.desired(k));
    int pages = t.pages();
    t.setDesired(k, null);
    t.setDesired(k, entry);
    assertEquals(pages, t.pages(), "the freed page's index is reused");
    assertArrayEquals(entry, t.desired(k));
  }

  private static void putVarint(java.nio.ByteBuffer b, int v) {
    while ((v & ~0x7f) != 0) {
      b.put((byte) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    b.put((byte) v);
  }
}
