package dev.pinhole.wireguard.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.bouncycastle.crypto.digests.Blake2sDigest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

class PrimitivesKnownAnswerTest {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] hex(String s) {
        return HEX.parseHex(s.replace(" ", "").replace(":", ""));
    }

    private static byte[] seq(int from, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    private static final byte[] SUNSCREEN = ("Ladies and Gentlemen of the class of '99: If I could offer you only one"
            + " tip for the future, sunscreen would be it.").getBytes(StandardCharsets.US_ASCII);

    @Test
    void blake2sHashOfAbcMatchesRfc7693() {
        assertThat(Blake2s.hash("abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(hex("508C5E8C327C14E2E1A72BA34EEB452F37458B209ED63A294D999B4C86675982"));
    }

    @Test
    void hashOfSeveralPartsEqualsHashOfConcatenation() {
        assertThat(Blake2s.hash("ab".getBytes(), "c".getBytes())).isEqualTo(Blake2s.hash("abc".getBytes()));
    }

    @Test
    void hmacMatchesGenericHmacOverBlake2s() {
        byte[] key = seq(1, 32);
        byte[] data = SUNSCREEN;
        HMac reference = new HMac(new Blake2sDigest(256));
        reference.init(new KeyParameter(key));
        reference.update(data, 0, data.length);
        byte[] expected = new byte[32];
        reference.doFinal(expected, 0);
        assertThat(Blake2s.hmac(key, data)).isEqualTo(expected);
    }

    @Test
    void macIsKeyedBlake2sWith16ByteOutputNotATruncation() {
        byte[] key = seq(0, 32);
        byte[] mac = Blake2s.mac(key, new byte[0], 0, 0);
        // RFC 7693 appendix / blake2s-kat: keyed BLAKE2s-256 of the empty message with key 00..1f.
        byte[] full = hex("48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49");
        Blake2sDigest d = new Blake2sDigest(key);
        byte[] check = new byte[32];
        d.doFinal(check, 0);
        assertThat(check).isEqualTo(full);
        assertThat(mac).hasSize(16);
        assertThat(mac).isNotEqualTo(java.util.Arrays.copyOf(full, 16));
    }

    @Test
    void hashAgreesWithBouncyCastleAcrossBlockBoundariesAndSplits() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(16);
        for (int probe = 0; probe < 2_000; probe++) {
            byte[] data = new byte[random.nextInt(0, 300)];
            random.nextBytes(data);
            Blake2sDigest reference = new Blake2sDigest(256);
            reference.update(data, 0, data.length);
            byte[] expected = new byte[32];
            reference.doFinal(expected, 0);
            int split = random.nextInt(0, data.length + 1);

            assertThat(Blake2s.hash(java.util.Arrays.copyOf(data, split),
                    java.util.Arrays.copyOfRange(data, split, data.length))).as("%d bytes split at %d",
                    data.length, split).isEqualTo(expected);
        }
    }

    @Test
    void macAgreesWithKeyedBouncyCastleForEveryKeyLengthAndMessageLength() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7693);
        for (int probe = 0; probe < 2_000; probe++) {
            byte[] key = new byte[random.nextInt(1, 33)];
            byte[] data = new byte[random.nextInt(0, 300)];
            random.nextBytes(key);
            random.nextBytes(data);
            Blake2sDigest reference = new Blake2sDigest(key, Blake2s.MAC_LEN, null, null);
            reference.update(data, 0, data.length);
            byte[] expected = new byte[Blake2s.MAC_LEN];
            reference.doFinal(expected, 0);
            int off = random.nextInt(0, data.length + 1);

            assertThat(Blake2s.mac(key, data, off, data.length - off)).isEqualTo(
                    macOf(key, java.util.Arrays.copyOfRange(data, off, data.length)));
            assertThat(Blake2s.mac(key, data, 0, data.length)).as("%d-byte key, %d bytes", key.length,
                    data.length).isEqualTo(expected);
        }
    }

    private static byte[] macOf(byte[] key, byte[] data) {
        Blake2sDigest reference = new Blake2sDigest(key, Blake2s.MAC_LEN, null, null);
        reference.update(data, 0, data.length);
        byte[] out = new byte[Blake2s.MAC_LEN];
        reference.doFinal(out, 0);
        return out;
    }

    @Test
    void kdfOutputsFollowTheHkdfChain() {
        byte[] key = seq(3, 32);
        byte[] input = seq(7, 32);
        byte[][] three = Kdf.kdf3(key, input);
        byte[] prk = Blake2s.hmac(key, input);
        byte[] t1 = Blake2s.hmac(prk, new byte[] {1});
        byte[] t2 = Blake2s.hmac(prk, t1, new byte[] {2});
        byte[] t3 = Blake2s.hmac(prk, t2, new byte[] {3});
        assertThat(three).isDeepEqualTo(new byte[][] {t1, t2, t3});
        assertThat(Kdf.kdf1(key, input)).isEqualTo(t1);
        assertThat(Kdf.kdf2(key, input)).isDeepEqualTo(new byte[][] {t1, t2});
    }

    @Test
    void chaCha20Poly1305MatchesRfc8439Section282() throws Exception {
        byte[] out = ChaChaPoly.get().sealWithNonce(new AeadKey(seq(0x80, 32)), hex("070000004041424344454647"),
                hex("50515253c0c1c2c3c4c5c6c7"), SUNSCREEN);
        assertThat(out).isEqualTo(hex("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
                + "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
                + "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
                + "3ff4def08e4b7a9de576d26586cec64b6116"
                + "1ae10b594f09e26a7e902ecbd0600691"));
    }

    @Test
    void counterNonceIsFourZeroBytesThenLittleEndianCounter() throws Exception {
        byte[] key = seq(0x80, 32);
        byte[] sealed = ChaChaPoly.seal(key, 0x0807060504030201L, SUNSCREEN, new byte[] {1, 2});
        byte[] reference = ChaChaPoly.get().sealWithNonce(new AeadKey(key), hex("000000000102030405060708"),
                new byte[] {1, 2}, SUNSCREEN);
        assertThat(sealed).isEqualTo(reference);
    }

    @Test
    void openRejectsAFlippedBitAndAcceptsTheOriginal() {
        byte[] key = seq(9, 32);
        byte[] sealed = ChaChaPoly.seal(key, 42, SUNSCREEN, null);
        assertThat(ChaChaPoly.open(key, 42, sealed, 0, sealed.length, null)).isEqualTo(SUNSCREEN);
        sealed[5] ^= 1;
        assertThat(ChaChaPoly.open(key, 42, sealed, 0, sealed.length, null)).isNull();
    }

    @Test
    void openRejectsTheWrongCounter() {
        byte[] key = seq(9, 32);
        byte[] sealed = ChaChaPoly.seal(key, 1, SUNSCREEN, null);
        assertThat(ChaChaPoly.open(key, 2, sealed, 0, sealed.length, null)).isNull();
    }

    @Test
    void sealingTheSameKeyAndNonceTwiceOnOneThreadWorks() {
        byte[] key = seq(5, 32);
        assertThat(ChaChaPoly.seal(key, 0, SUNSCREEN, null)).isEqualTo(ChaChaPoly.seal(key, 0, SUNSCREEN, null));
    }

    @Test
    void hChaCha20MatchesXChaChaDraftSection2_2_1() {
        byte[] out = XChaChaPoly.hChaCha20(seq(0, 32), hex("000000090000004a0000000031415927"));
        assertThat(out).isEqualTo(hex("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc"));
    }

    @Test
    void xChaCha20Poly1305MatchesXChaChaDraftAppendixA31() {
        byte[] out = XChaChaPoly.seal(seq(0x80, 32), seq(0x40, 24), SUNSCREEN, hex("50515253c0c1c2c3c4c5c6c7"));
        assertThat(out).isEqualTo(hex("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
                + "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
                + "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
                + "21f9664c97637da9768812f615c68b13b52e"
                + "c0875924c1c7987947deafd8780acf49"));
        assertThat(XChaChaPoly.open(seq(0x80, 32), seq(0x40, 24), out, 0, out.length,
                hex("50515253c0c1c2c3c4c5c6c7"))).isEqualTo(SUNSCREEN);
    }

    @Test
    void x25519MatchesRfc7748Section51FirstVector() {
        assertThat(X25519.sharedSecret(
                        hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                        hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")))
                .hasValue(hex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"));
    }

    @Test
    void x25519MasksTheTopBitOfU() {
        // RFC 7748 section 5.2 second vector: u has its most significant bit set and must be masked.
        assertThat(X25519.sharedSecret(
                        hex("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
                        hex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")))
                .hasValue(hex("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"));
    }

    @Test
    void x25519DiffieHellmanMatchesRfc7748Section61() {
        byte[] alicePriv = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bobPriv = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        byte[] alicePub = X25519.publicFromPrivate(alicePriv);
        byte[] bobPub = X25519.publicFromPrivate(bobPriv);
        assertThat(alicePub).isEqualTo(hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
        assertThat(bobPub).isEqualTo(hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
        byte[] shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        assertThat(X25519.sharedSecret(alicePriv, bobPub)).hasValue(shared);
        assertThat(X25519.sharedSecret(bobPriv, alicePub)).hasValue(shared);
    }

    @Test
    void x25519IteratedThousandTimesMatchesRfc7748() {
        byte[] k = new byte[32];
        k[0] = 9;
        byte[] u = k.clone();
        for (int i = 0; i < 1000; i++) {
            byte[] r = X25519.sharedSecret(k, u).orElseThrow();
            u = k;
            k = r;
            if (i == 0) {
                assertThat(k).isEqualTo(hex("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"));
            }
        }
        assertThat(k).isEqualTo(hex("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"));
    }

    @Test
    void x25519RefusesALowOrderPoint() {
        assertThat(X25519.sharedSecret(seq(1, 32), new byte[32])).isEmpty();
    }

    /**
     * SipHash-2-4 with the reference key 00..0f: the paper's 8-byte vector (input 00..07, also what
     * {@code openssl mac -macopt hexkey:000102030405060708090a0b0c0d0e0f -macopt size:8 SIPHASH} prints:
     * 6224939A79F5F593, little-endian) and a second input checked with openssl the same way.
     */
    @Test
    void sipHash24ReferenceVectors() {
        SipHash sip = new SipHash(hex("000102030405060708090a0b0c0d0e0f"));
        assertThat(sip.hash(0x0706050403020100L)).isEqualTo(0x93f5f5799a932462L);
        // eight 0xff bytes: openssl prints 34DAD9A330FF682A
        assertThat(sip.hash(-1L)).isEqualTo(0x2a68ff30a3d9da34L);
    }
}
