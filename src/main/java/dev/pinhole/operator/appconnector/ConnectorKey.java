package dev.pinhole.operator.appconnector;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.XECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Base64;
import javax.crypto.KeyAgreement;

/** A connector's X25519 key pair in WireGuard's base64 encoding, minted and derived with JDK crypto. */
public record ConnectorKey(String privateKey, String publicKey) {

    /** A fresh random key pair. */
    public static ConnectorKey generate() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("X25519");
            XECPrivateKey priv = (XECPrivateKey) gen.generateKeyPair().getPrivate();
            byte[] scalar = priv.getScalar().orElseThrow(() -> new IllegalStateException("no raw X25519 scalar"));
            String encoded = Base64.getEncoder().encodeToString(scalar);
            return fromPrivate(encoded);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 unavailable", e);
        }
    }

    /** The pair for an existing base64 private key; the public key is X25519(private, 9). */
    public static ConnectorKey fromPrivate(String base64PrivateKey) {
        byte[] scalar = decode32(base64PrivateKey, "privateKey");
        try {
            KeyFactory kf = KeyFactory.getInstance("X25519");
            PrivateKey priv = kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
            PublicKey basePoint = kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BigInteger.valueOf(9)));
            KeyAgreement ka = KeyAgreement.getInstance("X25519");
            ka.init(priv);
            ka.doPhase(basePoint, true);
            byte[] pub = ka.generateSecret();
            return new ConnectorKey(Base64.getEncoder().encodeToString(scalar), Base64.getEncoder().encodeToString(pub));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("privateKey: not a usable X25519 key", e);
        }
    }

    private static byte[] decode32(String base64, String field) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64 == null ? "" : base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": not base64", e);
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException(field + ": expected 32 bytes, got " + raw.length);
        }
        return raw;
    }

    @Override
    public String toString() {
        return "ConnectorKey[publicKey=" + publicKey + "]";
    }
}
