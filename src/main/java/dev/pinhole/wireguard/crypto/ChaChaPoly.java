package dev.pinhole.wireguard.crypto;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.IvParameterSpec;

/**
 * ChaCha20-Poly1305 (RFC 8439) with WireGuard's nonce: 4 zero bytes followed by a 64-bit little-endian counter.
 * Sealing is the JDK's ChaCha20-Poly1305 {@link Cipher}. Opening follows an {@link OpenStrategy}: by default it
 * checks the tag first with {@link Poly1305Check} (no exception, no allocation for a forgery) and then decrypts with
 * the JDK's plain ChaCha20 from block 1; {@link OpenStrategy#ONE_PASS} lets the JDK's ChaCha20-Poly1305 do both.
 * One {@code Cipher} per thread and use; {@code init} per message is the JDK's price.
 *
 * <p>Why two: the JDK refuses to re-initialise one Cipher with the key and nonce it was just initialised with
 * (a guard against nonce reuse). A thread that seals a message and then opens that same message, as a loopback
 * test or benchmark does, would trip it and pay for an exception and a fresh Cipher on every packet.
 */
public final class ChaChaPoly {
    public static final int TAG_LEN = 16;
    private static final ThreadLocal<ChaChaPoly> PER_THREAD = ThreadLocal.withInitial(ChaChaPoly::new);

    private Cipher encryptor;
    /** The JDK's ChaCha20-Poly1305 for {@link OpenStrategy#ONE_PASS}, made on first use. */
    private Cipher decryptor;
    /** Plain ChaCha20 for messages whose tag {@link #tagCheck} already verified. */
    private Cipher stream;
    private final Poly1305Check tagCheck = new Poly1305Check();
    private final byte[] nonce = new byte[12];

    private ChaChaPoly() {
        this.encryptor = newCipher();
        this.stream = newStreamCipher();
    }

    /** This thread's instance. */
    public static ChaChaPoly get() {
        return PER_THREAD.get();
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK ChaCha20-Poly1305 unavailable", e);
        }
    }

    private static Cipher newStreamCipher() {
        try {
            return Cipher.getInstance("ChaCha20");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK ChaCha20 unavailable", e);
        }
    }

    private void initStream(AeadKey key, long counter) throws GeneralSecurityException {
        nonce(counter);
        ChaCha20ParameterSpec spec = new ChaCha20ParameterSpec(nonce, 1);
        try {
            stream.init(Cipher.DECRYPT_MODE, key, spec);
        } catch (InvalidKeyException e) {
            // The same message opened twice in a row (tests; the replay window stops it in the device).
            stream = newStreamCipher();
            stream.init(Cipher.DECRYPT_MODE, key, spec);
        }
    }

    private IvParameterSpec nonce(long counter) {
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] = (byte) (counter >>> (8 * i));
        }
        return new IvParameterSpec(nonce);
    }

    /**
     * Encrypts {@code in[inOff, inOff+len)} into {@code out} at {@code outOff}, appending the tag; returns the bytes
     * written ({@code len + 16}). {@code in} and {@code out} must not overlap.
     */
    public int seal(AeadKey key, long counter, byte[] ad, byte[] in, int inOff, int len, byte[] out, int outOff) {
        try {
            initEncrypt(key, counter);
            if (ad != null && ad.length > 0) {
                encryptor.updateAAD(ad);
            }
            return encryptor.doFinal(in, inOff, len, out, outOff);
        } catch (ShortBufferException e) {
            throw new IllegalArgumentException("output buffer too small", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 seal failed", e);
        }
    }

    private void initEncrypt(AeadKey key, long counter) throws GeneralSecurityException {
        initEncrypt(key, nonce(counter));
    }

    private void initEncrypt(AeadKey key, IvParameterSpec iv) throws GeneralSecurityException {
        try {
            encryptor.init(Cipher.ENCRYPT_MODE, key, iv);
        } catch (InvalidKeyException e) {
            // Sealing the same key and nonce twice in a row: never for a live session, but a test can.
            encryptor = newCipher();
            encryptor.init(Cipher.ENCRYPT_MODE, key, iv);
        }
    }


    /** Seal with an explicit 12-byte nonce; only for the RFC 8439 vectors, whose nonces are not WireGuard's. */
    byte[] sealWithNonce(AeadKey key, byte[] nonce12, byte[] ad, byte[] plaintext) throws GeneralSecurityException {
        initEncrypt(key, new IvParameterSpec(nonce12));
        encryptor.updateAAD(ad);
        return encryptor.doFinal(plaintext);
    }

    /**
     * Decrypts and authenticates {@code in[inOff, inOff+len)} (ciphertext plus tag) into {@code out}; returns the
     * plaintext length, or -1 when authentication fails. The tag is checked first by {@link Poly1305Check}: a
     * forged message costs one Poly1305 pass, no allocation, no exception, no JDK cipher call (the JDK would
     * throw AEADBadTagException, and a repeated nonce costs it a new Cipher too). Throws IllegalStateException
     * for a destroyed key.
     */
    public int open(AeadKey key, long counter, byte[] ad, byte[] in, int inOff, int len, byte[] out, int outOff) {
        if (len < TAG_LEN) {
            return -1;
        }
        if (!tagCheck.verify(key, counter, ad, in, inOff, len)) {
            return -1;
        }
        // The tag is verified: what is left is the keystream from block 1 on (RFC 8439 section 2.8), without the
        // JDK computing Poly1305 a second time.
        try {
            initStream(key, counter);
            return stream.doFinal(in, inOff, len - TAG_LEN, out, outOff);
        } catch (ShortBufferException e) {
            throw new IllegalArgumentException("output buffer too small", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 open failed", e);
        }
    }

    /**
     * {@link #open(AeadKey, long, byte[], byte[], int, int, byte[], int)} with the tag check and decryption of
     * {@code strategy}; a forgery returns -1 under either, and {@code out} is written only for a genuine message.
     */
    public int open(OpenStrategy strategy, AeadKey key, long counter, byte[] ad, byte[] in, int inOff, int len,
            byte[] out, int outOff) {
        if (strategy == OpenStrategy.CHECK_FIRST) {
            return open(key, counter, ad, in, inOff, len, out, outOff);
        }
        if (len < TAG_LEN) {
            return -1;
        }
        try {
            initDecrypt(key, nonce(counter));
            if (ad != null && ad.length > 0) {
                decryptor.updateAAD(ad);
            }
            return decryptor.doFinal(in, inOff, len, out, outOff);
        } catch (AEADBadTagException forged) {
            return -1;
        } catch (ShortBufferException e) {
            throw new IllegalArgumentException("output buffer too small", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 open failed", e);
        }
    }

    private void initDecrypt(AeadKey key, IvParameterSpec iv) throws GeneralSecurityException {
        if (decryptor == null) {
            decryptor = newCipher();
        }
        try {
            decryptor.init(Cipher.DECRYPT_MODE, key, iv);
        } catch (InvalidKeyException e) {
            // JDK 17 refuses the key and nonce it was just given in either direction: the same message twice (tests).
            decryptor = newCipher();
            decryptor.init(Cipher.DECRYPT_MODE, key, iv);
        }
    }

    /** Convenience for handshake fields: seal a whole array. */
    public static byte[] seal(byte[] key, long counter, byte[] plaintext, byte[] ad) {
        AeadKey k = new AeadKey(key);
        try {
            byte[] out = new byte[plaintext.length + TAG_LEN];
            get().seal(k, counter, ad, plaintext, 0, plaintext.length, out, 0);
            return out;
        } finally {
            k.destroy();
        }
    }

    /** Convenience for handshake fields: open {@code in[off, off+len)}; null when authentication fails. */
    public static byte[] open(byte[] key, long counter, byte[] in, int off, int len, byte[] ad) {
        if (len < TAG_LEN) {
            return null;
        }
        AeadKey k = new AeadKey(key);
        try {
            byte[] out = new byte[len - TAG_LEN];
            int n = get().open(k, counter, ad, in, off, len, out, 0);
            return n < 0 ? null : out;
        } finally {
            k.destroy();
        }
    }
}
