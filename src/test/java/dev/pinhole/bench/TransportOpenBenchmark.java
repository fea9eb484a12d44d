package dev.pinhole.bench;

import dev.pinhole.wireguard.crypto.AeadKey;
import dev.pinhole.wireguard.crypto.ChaChaPoly;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The upload direction's crypto alone: opening one transport message (tag check and decryption) as
 * {@link ChaChaPoly#open} does it, against the JDK's ChaCha20-Poly1305 decrypting it in one pass, for genuine
 * messages and for forgeries (a wrong tag under a live key: what a peer that knows a receiver index can send).
 * Messages cycle through 256 counters, as a session's do; run with {@code -prof gc} for the bytes each costs.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class TransportOpenBenchmark {
    private static final int MESSAGES = 256;

    @Param({"64", "1420"})
    int size;

    private AeadKey key;
    private byte[][] sealed;
    private byte[][] forged;
    private byte[] opened;
    private Cipher jdk;
    private final byte[] nonce = new byte[12];
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        SecureRandom random = new SecureRandom();
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        key = new AeadKey(raw);
        byte[] plain = new byte[size];
        sealed = new byte[MESSAGES][];
        forged = new byte[MESSAGES][];
        for (int i = 0; i < MESSAGES; i++) {
            random.nextBytes(plain);
            sealed[i] = new byte[size + ChaChaPoly.TAG_LEN];
            ChaChaPoly.get().seal(key, i, null, plain, 0, size, sealed[i], 0);
            forged[i] = sealed[i].clone();
            forged[i][size + 3] ^= 0x10;
        }
        opened = new byte[size + ChaChaPoly.TAG_LEN];
        jdk = Cipher.getInstance("ChaCha20-Poly1305");
    }

    private int nextCounter() {
        next = (next + 1) & (MESSAGES - 1);
        return next;
    }

    @Benchmark
    public int open() {
        int c = nextCounter();
        int n = ChaChaPoly.get().open(key, c, null, sealed[c], 0, sealed[c].length, opened, 0);
        if (n != size) {
            throw new AssertionError("a genuine message failed to open");
        }
        return n;
    }

    @Benchmark
    public int openForged() {
        int c = nextCounter();
        int n = ChaChaPoly.get().open(key, c, null, forged[c], 0, forged[c].length, opened, 0);
        if (n != -1) {
            throw new AssertionError("a forgery opened");
        }
        return n;
    }

    @Benchmark
    public int jdkAeadOpen() throws Exception {
        int c = nextCounter();
        jdk.init(Cipher.DECRYPT_MODE, key, iv(c));
        return jdk.doFinal(sealed[c], 0, sealed[c].length, opened, 0);
    }

    @Benchmark
    public int jdkAeadOpenForged() throws Exception {
        int c = nextCounter();
        jdk.init(Cipher.DECRYPT_MODE, key, iv(c));
        try {
            jdk.doFinal(forged[c], 0, forged[c].length, opened, 0);
            throw new AssertionError("a forgery opened");
        } catch (AEADBadTagException expected) {
            return -1;
        }
    }

    private IvParameterSpec iv(long counter) {
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] = (byte) (counter >>> (8 * i));
        }
        return new IvParameterSpec(nonce);
    }
}
