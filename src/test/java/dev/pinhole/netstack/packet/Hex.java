package dev.pinhole.netstack.packet;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/** Test packets written as hex, as a capture tool prints them. */
final class Hex {
    private Hex() {
    }

    static ByteBuffer buffer(String hex) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(hex.replace(" ", "")));
    }

    static String of(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return HexFormat.of().formatHex(a);
    }
}
