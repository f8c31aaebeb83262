package org.nftoffload.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds one netlink request: the {@code nlmsghdr}, a family header written with the {@code put*}
 * methods, then attributes, possibly nested. Lengths are filled in by {@link #build}. Integer
 * attributes come in host order ({@code u*}) and network order ({@code be*}) because rtnetlink uses
 * the first and ctnetlink the second.
 */
public final class NetlinkMessageBuilder {
    private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());

    /** Starts a message of {@code type} with {@code flags} ({@link Netlink#NLM_F_REQUEST} is added). */
    public NetlinkMessageBuilder(int type, int flags) {
        buf.putInt(0).putShort((short) type).putShort((short) (flags | Netlink.NLM_F_REQUEST)).putInt(0).putInt(0);
    }

    private void ensure(int more) {
        if (buf.remaining() < more) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + more))
                    .order(ByteOrder.nativeOrder());
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
    }

    private void pad() {
        int aligned = Netlink.align(buf.position());
        ensure(aligned - buf.position());
        while (buf.position() < aligned) {
            buf.put((byte) 0);
        }
    }

    /** Appends one byte of family header. */
    public NetlinkMessageBuilder putU8(int value) {
        ensure(1);
        buf.put((byte) value);
        return this;
    }

    /** Appends a host-order 16-bit family header field. */
    public NetlinkMessageBuilder putU16(int value) {
        ensure(2);
        buf.putShort((short) value);
        return this;
    }

    /** Appends a network-order 16-bit family header field. */
    public NetlinkMessageBuilder putBe16(int value) {
        ensure(2);
        buf.putShort(toBe16(value));
        return this;
    }

    private static short toBe16(int value) {
        short v = (short) value;
        return ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? v : Short.reverseBytes(v);
    }

    /** Appends a host-order 32-bit family header field. */
    public NetlinkMessageBuilder putU32(int value) {
        ensure(4);
        buf.putInt(value);
        return this;
    }

    /** Appends an attribute with raw bytes. */
    public NetlinkMessageBuilder attr(int type, byte[] value) {
        pad();
        ensure(4 + value.length + 3);
        buf.putShort((short) (4 + value.length)).putShort((short) type).put(value);
        pad();
        return this;
    }

    /** Appends an 8-bit attribute. */
    public NetlinkMessageBuilder attrU8(int type, int value) {
        return attr(type, new byte[] {(byte) value});
    }

    /** Appends a host-order 16-bit attribute. */
    public NetlinkMessageBuilder attrU16(int type, int value) {
        return attr(type, ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort((short) value).array());
    }

    /** Appends a network-order 16-bit attribute. */
    public NetlinkMessageBuilder attrBe16(int type, int value) {
        return attr(type, ByteBuffer.allocate(2).order(ByteOrder.BIG_ENDIAN).putShort((short) value).array());
    }

    /** Appends a host-order 32-bit attribute. */
    public NetlinkMessageBuilder attrU32(int type, int value) {
        return attr(type, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
    }

    /** Appends a network-order 32-bit attribute. */
    public NetlinkMessageBuilder attrBe32(int type, int value) {
        return attr(type, ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putInt(value).array());
    }

    /** Appends a NUL-terminated string attribute. */
    public NetlinkMessageBuilder attrString(int type, String value) {
        byte[] s = value.getBytes(StandardCharsets.UTF_8);
        byte[] z = new byte[s.length + 1];
        System.arraycopy(s, 0, z, 0, s.length);
        return attr(type, z);
    }

    /** Opens a nested attribute; returns the token to pass to {@link #endNested}. */
    public int beginNested(int type) {
        pad();
        ensure(4);
        int start = buf.position();
        buf.putShort((short) 0).putShort((short) (type | Netlink.NLA_F_NESTED));
        return start;
    }

    /** Closes the nested attribute opened at {@code token}. */
    public NetlinkMessageBuilder endNested(int token) {
        pad();
        buf.putShort(token, (short) (buf.position() - token));
        return this;
    }

    /** Finishes the message with sequence number {@code seq}; returns it flipped for sending. */
    public ByteBuffer build(int seq) {
        pad();
        ByteBuffer out = buf.duplicate().order(ByteOrder.nativeOrder());
        out.putInt(0, out.position());
        out.putInt(8, seq);
        out.flip();
        return out;
    }
}
