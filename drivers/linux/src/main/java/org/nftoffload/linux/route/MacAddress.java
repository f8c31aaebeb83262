package org.nftoffload.linux.route;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A 6-byte Ethernet address.
 *
 * @param bytes the six bytes, first byte first
 */
public record MacAddress(byte[] bytes) {
    /** The all-zero address, used where a link has none (loopback). */
    public static final MacAddress ZERO = new MacAddress(new byte[6]);

    public MacAddress {
        if (bytes == null || bytes.length != 6) {
            throw new IllegalArgumentException("an Ethernet address has 6 bytes, got "
                    + (bytes == null ? "null" : bytes.length));
        }
        bytes = bytes.clone();
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff}. */
    public static MacAddress parse(String text) {
        String[] parts = text.split(":");
        if (parts.length != 6) {
            throw new IllegalArgumentException("not an Ethernet address: \"" + text + "\"");
        }
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            if (parts[i].length() != 2) {
                throw new IllegalArgumentException("not an Ethernet address: \"" + text + "\"");
            }
            b[i] = (byte) HexFormat.fromHexDigits(parts[i]);
        }
        return new MacAddress(b);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The address as a 48-bit number. */
    public long toLong() {
        long v = 0;
        for (byte b : bytes) {
            v = v << 8 | (b & 0xff);
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress m && Arrays.equals(bytes, m.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(bytes);
    }
}
