package dev.pinhole.operator.appconnector;

import dev.pinhole.wireguard.Keys;
import java.util.Base64;

/** A connector's X25519 key pair in WireGuard's base64 encoding; the key math is the WireGuard library's. */
public record ConnectorKey(String privateKey, String publicKey) {

    /** A fresh random key pair, like {@code wg genkey}. */
    public static ConnectorKey generate() {
        return of(Keys.generatePrivate());
    }

    /** The pair for an existing base64 private key (as stored in the key Secret). */
    public static ConnectorKey fromPrivate(String base64PrivateKey) {
        return of(decode32(base64PrivateKey));
    }

    private static ConnectorKey of(byte[] privateKey) {
        return new ConnectorKey(Keys.toBase64(privateKey), Keys.toBase64(Keys.publicFromPrivate(privateKey)));
    }

    /** Decodes with errors that name the Secret's field and the byte count, for the condition message. */
    private static byte[] decode32(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64 == null ? "" : base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("privateKey: not base64", e);
        }
        if (raw.length != Keys.KEY_LEN) {
            throw new IllegalArgumentException("privateKey: expected " + Keys.KEY_LEN + " bytes, got " + raw.length);
        }
        return raw;
    }

    @Override
    public String toString() {
        return "ConnectorKey[publicKey=" + publicKey + "]";
    }
}
