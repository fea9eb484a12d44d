package dev.pinhole.wireguard.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.Adversarial;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

/**
 * The transport tag check's Poly1305 against the RFC's vectors (those of appendix A.3 aim at carry and reduction
 * mistakes), against BouncyCastle on inputs built to carry (all-ones blocks, the largest clamped r, the largest s),
 * and both ways of opening ({@link OpenStrategy}) against the JDK's seal.
 */
@Adversarial
class Poly1305CheckTest {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] hex(String s) {
        return HEX.parseHex(s.replace(" ", ""));
    }

    private static byte[] repeat(int value, int len) {
        byte[] b = new byte[len];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static byte[] reference(byte[] key, byte[] m) {
        Poly1305 mac = new Poly1305();
        mac.init(new KeyParameter(key));
        mac.update(m, 0, m.length);
        byte[] out = new byte[16];
        mac.doFinal(out, 0);
        return out;
    }

    private final Poly1305Check check = new Poly1305Check();

    private byte[] mac(byte[] key, byte[] m) {
        return check.mac(key, m, 0, m.length);
    }

    @Test
    void rfc8439Section252() {
        byte[] key = hex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        byte[] m = "Cryptographic Forum Research Group".getBytes(StandardCharsets.US_ASCII);
        assertThat(mac(key, m)).isEqualTo(hex("a8061dc1305136c6c22b8baf0c0127a9"));
    }

    @Test
    void rfc8439AppendixA3PartiallyReducedResultAndOverflowingS() {
        // #5: the partially reduced result is not fully reduced
        assertThat(mac(concat(hex("02"), new byte[31]), repeat(0xff, 16))).isEqualTo(concat(hex("03"), new byte[15]));
        // #6: adding s overflows 2^128
        assertThat(mac(concat(hex("02"), new byte[15], repeat(0xff, 16)), concat(hex("02"), new byte[15])))
                .isEqualTo(concat(hex("03"), new byte[15]));
    }

    @Test
    void rfc8439AppendixA3CarriesAndResultsNextToThePrime() {
        byte[] one = concat(hex("01"), new byte[31]);
        // #7: a data limb of all ones with a carry from below
        assertThat(mac(one, concat(repeat(0xff, 16), hex("f0"), repeat(0xff, 15), hex("11"), new byte[15])))
                .isEqualTo(concat(hex("05"), new byte[15]));
        // #8: the polynomial part is exactly 2^130 - 5
        assertThat(mac(one, concat(repeat(0xff, 16), hex("fb"), repeat(0xfe, 15), repeat(0x01, 16))))
                .isEqualTo(new byte[16]);
        // #9: exactly 2^130 - 6
        assertThat(mac(concat(hex("02"), new byte[31]), concat(hex("fd"), repeat(0xff, 15))))
                .isEqualTo(concat(hex("fa"), repeat(0xff, 15)));
    }

    @Test
    void rfc8439AppendixA3ReductionWithA131BitIntermediate() {
        byte[] key = concat(hex("0100000000000000 0400000000000000"), new byte[16]);
        // #10
        assertThat(mac(key, hex("e33594d7505e43b9 0000000000000000 3394d7505e4379cd 0100000000000000"
                + "0000000000000000 0000000000000000 0100000000000000 0000000000000000")))
                .isEqualTo(hex("1400000000000000 5500000000000000"));
        // #11
        assertThat(mac(key, hex("e33594d7505e43b9 0000000000000000 3394d7505e4379cd 0100000000000000"
                + "0000000000000000 0000000000000000"))).isEqualTo(hex("1300000000000000 0000000000000000"));
    }

    @Test
    void agreesWithBouncyCastleOnInputsBuiltToCarry() {
        SplittableRandom random = new SplittableRandom(1305);
        byte[][] blockKinds = {repeat(0xff, 16), new byte[16], repeat(0xfe, 16), null};
        for (int probe = 0; probe < 5_000; probe++) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            switch (probe % 4) {
                case 0 -> java.util.Arrays.fill(key, 0, 16, (byte) 0xff); // the largest r once clamped
                case 1 -> java.util.Arrays.fill(key, 16, 32, (byte) 0xff); // the largest s
                case 2 -> java.util.Arrays.fill(key, (byte) 0xff);
                default -> { }
            }
            int len = random.nextInt(0, 200);
            byte[] m = new byte[len];
            for (int at = 0; at < len; at += 16) {
                byte[] kind = blockKinds[random.nextInt(blockKinds.length)];
                int n = Math.min(16, len - at);
                if (kind == null) {
                    byte[] r = new byte[n];
                    random.nextBytes(r);
                    System.arraycopy(r, 0, m, at, n);
                } else {
                    System.arraycopy(kind, 0, m, at, n);
                }
            }
            assertThat(mac(key, m)).as("probe %d, %d bytes", probe, len).isEqualTo(reference(key, m));
        }
    }

    @Test
    void opensWhatTheJdkSealsAndRefusesEveryOneBitChange() {
        SplittableRandom random = new SplittableRandom(8439);
        for (int probe = 0; probe < 400; probe++) {
            byte[] raw = new byte[32];
            random.nextBytes(raw);
            AeadKey key = new AeadKey(raw);
            byte[] plain = new byte[probe < 8 ? probe * 183 : random.nextInt(0, 1500)];
            random.nextBytes(plain);
            byte[] ad = random.nextBoolean() ? null : new byte[random.nextInt(1, 40)];
            if (ad != null) {
                random.nextBytes(ad);
            }
            long counter = random.nextLong();
            byte[] sealed = new byte[plain.length + ChaChaPoly.TAG_LEN];
            ChaChaPoly.get().seal(key, counter, ad, plain, 0, plain.length, sealed, 0);
            byte[] opened = new byte[plain.length];
            assertThat(ChaChaPoly.get().open(key, counter, ad, sealed, 0, sealed.length, opened, 0))
                    .as("probe %d", probe).isEqualTo(plain.length);
            assertThat(opened).isEqualTo(plain);

            byte[] onePass = new byte[plain.length];
            assertThat(ChaChaPoly.get().open(OpenStrategy.ONE_PASS, key, counter, ad, sealed, 0, sealed.length,
                    onePass, 0)).isEqualTo(plain.length);
            assertThat(onePass).isEqualTo(plain);

            int bit = random.nextInt(sealed.length * 8);
            sealed[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThat(check.verify(key, counter, ad, sealed, 0, sealed.length))
                    .as("probe %d, bit %d of %d bytes flipped", probe, bit, sealed.length).isFalse();
            byte[] untouched = new byte[plain.length];
            for (OpenStrategy strategy : OpenStrategy.values()) {
                assertThat(ChaChaPoly.get().open(strategy, key, counter, ad, sealed, 0, sealed.length, untouched, 0))
                        .as("%s, probe %d, bit %d flipped", strategy, probe, bit).isEqualTo(-1);
                assertThat(untouched).as("nothing written for a forgery").isEqualTo(new byte[plain.length]);
            }
        }
    }
}
