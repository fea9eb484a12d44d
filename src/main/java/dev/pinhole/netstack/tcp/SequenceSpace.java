package dev.pinhole.netstack.tcp;

/** Comparisons of 32-bit TCP sequence numbers modulo 2^32 (RFC 9293 section 3.4), held in ints. */
final class SequenceSpace {
    private SequenceSpace() {
    }

    static boolean lt(int a, int b) {
        return a - b < 0;
    }

    static boolean le(int a, int b) {
        return a - b <= 0;
    }

    static boolean gt(int a, int b) {
        return a - b > 0;
    }

    static boolean ge(int a, int b) {
        return a - b >= 0;
    }

    /** {@code start <= x < start + length}, with length interpreted unsigned up to 2^31. */
    static boolean inWindow(int x, int start, long length) {
        return length > 0 && Integer.toUnsignedLong(x - start) < length;
    }
}
