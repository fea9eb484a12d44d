package dev.pinhole.wireguard.crypto;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Optional;
import javax.crypto.KeyAgreement;

/**
 * X25519 (RFC 7748) over raw 32-byte little-endian keys, using the JDK's XDH provider.
 *
 * <p>The JDK clamps the scalar itself; the u-coordinate is decoded as RFC 7748 says (little-endian, top bit
 * masked, reduced mod p) before it reaches the JDK, which only accepts a BigInteger.
 */
public final class X25519 {
    public static final int KEY_LEN = 32;
    private static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
    private static final byte[] BASE_POINT = new byte[KEY_LEN];

    static {
        BASE_POINT[0] = 9;
    }

    private X25519() {}

    /** A fresh private key, clamped as {@code wg genkey} does. */
    public static byte[] generatePrivate(SecureRandom random) {
        byte[] k = new byte[KEY_LEN];
        random.nextBytes(k);
        clamp(k);
        return k;
    }

    /** Applies the RFC 7748 scalar clamping in place (idempotent; the JDK clamps again anyway). */
    public static void clamp(byte[] k) {
        k[0] &= (byte) 248;
        k[31] &= 127;
        k[31] |= 64;
    }

    /** X25519(priv, 9). */
    public static byte[] publicFromPrivate(byte[] privateKey) {
        return sharedSecret(privateKey, BASE_POINT)
                .orElseThrow(() -> new IllegalArgumentException("private key yields the identity point"));
    }

    /**
     * X25519(priv, pub); empty when the result is all zeros (a low-order peer key), which the protocol must
     * treat as a failed handshake.
     */
    public static Optional<byte[]> sharedSecret(byte[] privateKey, byte[] publicKey) {
        if (privateKey.length != KEY_LEN || publicKey.length != KEY_LEN) {
            throw new IllegalArgumentException("X25519 keys are 32 bytes");
        }
        try {
            KeyFactory kf = KeyFactory.getInstance("X25519");
            PrivateKey priv = kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, privateKey.clone()));
            PublicKey pub = kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, decodeU(publicKey)));
            KeyAgreement ka = KeyAgreement.getInstance("X25519");
            ka.init(priv);
            ka.doPhase(pub, true);
            byte[] secret = ka.generateSecret();
            return ConstantTime.isZero(secret) ? Optional.empty() : Optional.of(secret);
        } catch (IllegalStateException | java.security.InvalidKeyException e) {
            // The JDK refuses low-order points ("Point has small order") with one of these.
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK X25519 unavailable", e);
        }
    }

    static BigInteger decodeU(byte[] le) {
        byte[] be = new byte[KEY_LEN];
        for (int i = 0; i < KEY_LEN; i++) {
            be[i] = le[KEY_LEN - 1 - i];
        }
        be[0] &= 0x7f;
        return new BigInteger(1, be).mod(P);
    }
}
