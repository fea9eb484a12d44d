package dev.pinhole.wireguard.crypto;

/** Comparisons whose running time does not depend on where secret bytes differ. */
public final class ConstantTime {
    private ConstantTime() {}

    public static boolean equals(byte[] a, int aOff, byte[] b, int bOff, int len) {
        int acc = 0;
        for (int i = 0; i < len; i++) {
            acc |= a[aOff + i] ^ b[bOff + i];
        }
        return acc == 0;
    }

    public static boolean isZero(byte[] a) {
        int acc = 0;
        for (byte x : a) {
            acc |= x;
        }
        return acc == 0;
    }
}
