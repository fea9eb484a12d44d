package dev.pinhole.netstack.tcp;

import dev.pinhole.time.Ticker;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * RFC 6528 initial sequence numbers: a 4-microsecond clock plus a keyed hash of the connection's addresses and
 * ports, so that ISNs are unpredictable to off-path attackers and increase for a reused 4-tuple. Not thread-safe
 * (the MAC instance is reused); keep one per event-loop thread.
 */
public final class InitialSequenceNumbers {
    private static final long TICK_NANOS = 4_000L;

    private final Ticker ticker;
    private final Mac mac;
    private final ByteBuffer input = ByteBuffer.allocate(16 + 16 + 4);

    public InitialSequenceNumbers(Ticker ticker, SecureRandom random) {
        this.ticker = ticker;
        byte[] key = new byte[32];
        random.nextBytes(key);
        try {
            this.mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is a required JDK algorithm", e);
        }
    }

    /** The ISS for an endpoint answering {@code syn}. */
    public int next(SynRequest syn) {
        input.clear();
        input.put(syn.app().getAddress()).put(syn.client().getAddress());
        input.putShort((short) syn.appPort()).putShort((short) syn.clientPort());
        input.flip();
        mac.update(input);
        byte[] h = mac.doFinal();
        int f = ((h[0] & 0xFF) << 24) | ((h[1] & 0xFF) << 16) | ((h[2] & 0xFF) << 8) | (h[3] & 0xFF);
        return (int) (ticker.nanoTime() / TICK_NANOS) + f;
    }
}
