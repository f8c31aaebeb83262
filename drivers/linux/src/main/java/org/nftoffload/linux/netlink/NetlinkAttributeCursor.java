package org.nftoffload.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A reusable forward walk over the attributes of one region of a netlink message, reading values in
 * place. Unlike {@link NetlinkAttributes} it builds no index, so a decoder on the event path (tens of
 * thousands of messages a second) allocates nothing per message: it keeps one cursor per nesting level
 * and {@link #reset}s them. The checks are the same: an attribute running past its region, or a value
 * shorter than its type needs, is an {@link IllegalArgumentException} naming the attribute.
 *
 * <p>Not thread-safe; valid only while the buffer's bytes are (a socket's receive buffer is reused by
 * its next receive).
 */
public final class NetlinkAttributeCursor {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final boolean BIG = NATIVE == ByteOrder.BIG_ENDIAN;
    private ByteBuffer buf;
    private int pos;
    private int end;
    private int type = -1;
    private int value;
    private int length;

    /** Positions the cursor before the first attribute of {@code buf} between {@code from} and {@code to}. */
    public NetlinkAttributeCursor reset(ByteBuffer buf, int from, int to) {
        this.buf = buf.order() == NATIVE ? buf : buf.duplicate().order(NATIVE);
        this.pos = from;
        this.end = to;
        this.type = -1;
        return this;
    }

    /** Positions {@code into} over the attributes nested in the current attribute; returns it. */
    public NetlinkAttributeCursor nested(NetlinkAttributeCursor into) {
        return into.reset(buf, value, value + length);
    }

    /**
     * Moves to the next attribute; false at the end of the region.
     *
     * @throws IllegalArgumentException when the attribute's length runs past the region
     */
    public boolean next() {
        if (end - pos < 4) {
            type = -1;
            return false;
        }
        int len = Short.toUnsignedInt(buf.getShort(pos));
        int t = Short.toUnsignedInt(buf.getShort(pos + 2)) & Netlink.NLA_TYPE_MASK;
        if (len < 4 || len > end - pos) {
            throw new IllegalArgumentException("netlink attribute type " + t + " at offset " + pos
                    + " has length " + len + " but " + (end - pos) + " bytes remain");
        }
        type = t;
        value = pos + 4;
        length = len - 4;
        pos += Netlink.align(len);
        return true;
    }

    /** The current attribute's type (flags masked off). */
    public int type() {
        return type;
    }

    /** The current attribute's value length in bytes. */
    public int length() {
        return length;
    }

    /** Offset of the current attribute's value in the buffer. */
    public int offset() {
        return value;
    }

    /** The buffer walked (native byte order). */
    public ByteBuffer buffer() {
        return buf;
    }

    private int need(int size) {
        if (length < size) {
            throw new IllegalArgumentException("netlink attribute " + type + " has " + length + " bytes, needs " + size);
        }
        return value;
    }

    /** Unsigned 8-bit value. */
    public int u8() {
        return Byte.toUnsignedInt(buf.get(need(1)));
    }

    /** Unsigned 16-bit value in host order. */
    public int u16() {
        return Short.toUnsignedInt(buf.getShort(need(2)));
    }

    /** Unsigned 16-bit value in network order. */
    public int be16() {
        short v = buf.getShort(need(2));
        return Short.toUnsignedInt(BIG ? v : Short.reverseBytes(v));
    }

    /** 32-bit value in host order. */
    public int u32() {
        return buf.getInt(need(4));
    }

    /** 32-bit value in network order. */
    public int be32() {
        int v = buf.getInt(need(4));
        return BIG ? v : Integer.reverseBytes(v);
    }

    /** 64-bit value in network order. */
    public long be64() {
        long v = buf.getLong(need(8));
        return BIG ? v : Long.reverseBytes(v);
    }

    /** The raw value bytes. */
    public byte[] bytes() {
        byte[] out = new byte[length];
        buf.get(value, out);
        return out;
    }
}
