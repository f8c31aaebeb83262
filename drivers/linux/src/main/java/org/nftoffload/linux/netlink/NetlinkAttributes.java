package org.nftoffload.linux.netlink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The attributes ({@code struct nlattr}: u16 length, u16 type, value, padding) of one region of a
 * netlink message, indexed by type for direct access. Unknown types above {@code maxType} are
 * skipped, so newer kernels with more attributes still decode. Getters read the value in the
 * attribute's documented byte order: {@code be*} for network order (ctnetlink), {@code u*} for host
 * order (rtnetlink).
 */
public final class NetlinkAttributes {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private final ByteBuffer buf;
    private final int[] offset;
    private final int[] length;

    private NetlinkAttributes(ByteBuffer buf, int maxType) {
        this.buf = buf;
        this.offset = new int[maxType + 1];
        this.length = new int[maxType + 1];
        java.util.Arrays.fill(offset, -1);
    }

    /**
     * Parses the attributes in {@code buf} from {@code from} (inclusive) to {@code to} (exclusive).
     *
     * @throws IllegalArgumentException when an attribute's length runs past the region
     */
    public static NetlinkAttributes parse(ByteBuffer buf, int from, int to, int maxType) {
        ByteBuffer b = buf.order() == NATIVE ? buf : buf.duplicate().order(NATIVE);
        NetlinkAttributes attrs = new NetlinkAttributes(b, maxType);
        int pos = from;
        while (to - pos >= 4) {
            int len = Short.toUnsignedInt(b.getShort(pos));
            int type = Short.toUnsignedInt(b.getShort(pos + 2)) & Netlink.NLA_TYPE_MASK;
            if (len < 4 || len > to - pos) {
                throw new IllegalArgumentException("netlink attribute type " + type + " at offset " + pos
                        + " has length " + len + " but " + (to - pos) + " bytes remain");
            }
            if (type <= maxType) {
                attrs.offset[type] = pos + 4;
                attrs.length[type] = len - 4;
            }
            pos += Netlink.align(len);
        }
        return attrs;
    }

    /** Parses the attributes of a whole payload after a fixed family header of {@code headerLength} bytes. */
    public static NetlinkAttributes parse(ByteBuffer payload, int headerLength, int maxType) {
        return parse(payload, headerLength, payload.limit(), maxType);
    }

    /** Whether attribute {@code type} is present. */
    public boolean has(int type) {
        return type < offset.length && offset[type] >= 0;
    }

    /** The value's length in bytes. */
    public int length(int type) {
        require(type, 0);
        return length[type];
    }

    private int require(int type, int size) {
        if (!has(type)) {
            throw new IllegalArgumentException("netlink attribute " + type + " is missing");
        }
        if (length[type] < size) {
            throw new IllegalArgumentException("netlink attribute " + type + " has " + length[type]
                    + " bytes, needs " + size);
        }
        return offset[type];
    }

    /** Unsigned 8-bit value. */
    public int u8(int type) {
        return Byte.toUnsignedInt(buf.get(require(type, 1)));
    }

    /** Unsigned 16-bit value in host order. */
    public int u16(int type) {
        return Short.toUnsignedInt(buf.getShort(require(type, 2)));
    }

    /** Unsigned 16-bit value in network order. */
    public int be16(int type) {
        short v = buf.getShort(require(type, 2));
        return Short.toUnsignedInt(NATIVE == ByteOrder.BIG_ENDIAN ? v : Short.reverseBytes(v));
    }

    /** 32-bit value in host order (as an int; use {@link Integer#toUnsignedLong} for unsigned). */
    public int u32(int type) {
        return buf.getInt(require(type, 4));
    }

    /** 32-bit value in network order. */
    public int be32(int type) {
        int v = buf.getInt(require(type, 4));
        return NATIVE == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    /** 64-bit value in network order. */
    public long be64(int type) {
        long v = buf.getLong(require(type, 8));
        return NATIVE == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v);
    }

    /** The raw value bytes. */
    public byte[] bytes(int type) {
        int off = require(type, 0);
        byte[] out = new byte[length[type]];
        buf.get(off, out);
        return out;
    }

    /** A NUL-terminated string value. */
    public String string(int type) {
        int off = require(type, 0);
        int len = length[type];
        int end = 0;
        while (end < len && buf.get(off + end) != 0) {
            end++;
        }
        byte[] out = new byte[end];
        buf.get(off, out);
        return new String(out, StandardCharsets.UTF_8);
    }

    /** A 4- or 16-byte IP address value. */
    public InetAddress address(int type) {
        byte[] raw = bytes(type);
        if (raw.length != 4 && raw.length != 16) {
            throw new IllegalArgumentException("netlink attribute " + type + " is not an IP address ("
                    + raw.length + " bytes)");
        }
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The attributes nested inside attribute {@code type}. */
    public NetlinkAttributes nested(int type, int maxType) {
        int off = require(type, 0);
        return parse(buf, off, off + length[type], maxType);
    }
}
