package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinhole.testing.Adversarial;
import dev.pinhole.wireguard.crypto.AeadKey;
import dev.pinhole.wireguard.crypto.ChaChaPoly;
import dev.pinhole.wireguard.crypto.OpenStrategy;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The device from a forger's side, and key lifetimes under concurrency and message counts. */
@Adversarial
class WireGuardHardeningTest {
    private final TestNet net = new TestNet();
    private TestNet.Node a;
    private TestNet.Node b;

    private void start(TimerConfig timers) {
        a = net.node("192.0.2.1", timers);
        b = net.node("192.0.2.2", timers);
        TestNet.pair(a, "100.64.0.1", b, "100.64.0.2");
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "hello".getBytes()));
        net.pump();
        assertThat(b.delivered).hasSize(1); // a initiated: b is the responder
    }

    @Test
    void theResponderAlsoRekeysAfterRekeyAfterMessages() {
        start(TimerConfig.defaults().withRekeyAfterMessages(5));
        net.advance(Duration.ofSeconds(6)); // past REKEY_TIMEOUT, which spaces initiations
        for (int i = 0; i < 7; i++) {
            b.sendIp(TestNet.udp4("100.64.0.2", "100.64.0.1", ("m" + i).getBytes()));
        }
        net.pump();
        assertThat(b.sentOfType(1)).as("handshake initiations sent by the responder").isEqualTo(1);
        assertThat(b.device.peer(a.publicKey()).orElseThrow().handshakesCompleted()).isEqualTo(2);
        assertThat(a.delivered).hasSize(7);
    }

    @Test
    void aRepeatedForgedPacketWithALiveIndexIsADropThatAllocatesNothing() {
        start(TimerConfig.defaults());
        byte[] real = a.sentOf(4).get(0).bytes();
        byte[] forged = real.clone();
        forged[forged.length - 1] ^= 1; // the live receiver index, a wrong tag
        forged[8] = (byte) 200; // a counter the window has not seen, so the replay pre-check lets it through
        java.net.InetSocketAddress from = a.address;
        Output nowhere = new Output() {
            @Override
            public void deliver(Peer peer, ByteBuffer ipPacket) {
                throw new AssertionError("a forged packet was delivered");
            }

            @Override
            public void send(ByteBuffer datagram, java.net.InetSocketAddress to) {
            }
        };
        ByteBuffer in = ByteBuffer.wrap(forged);
        long now = net.ticker.nanoTime();
        for (int i = 0; i < 20_000; i++) { // warm up: JIT, thread-local scratch
            b.device.onDatagram(in.clear(), from, now, nowhere);
        }
        long before = b.drops().getOrDefault(WireGuardDropReason.DECRYPT_FAILED, 0L);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            b.device.onDatagram(in.clear(), from, now, nowhere);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
        assertThat(b.drops().get(WireGuardDropReason.DECRYPT_FAILED) - before).isEqualTo(10_000);
        // Each exception, Cipher.getInstance or key copy costs hundreds of bytes: 10,000 of them megabytes.
        assertThat(allocated).as("bytes allocated by 10,000 forged packets").isLessThan(64 * 1024);
    }

    /**
     * The JDK's one-pass open throws for a forgery (about 3 KB each, measured): a flood of forgeries with a live
     * index costs that only until the session has met {@link Keypair#FORGERIES_BEFORE_CHECK_FIRST} of them, then it
     * checks tags first and a forgery allocates nothing; genuine packets still arrive.
     */
    @Test
    void aFloodOfForgeriesOnAOnePassSessionAllocatesNothingOnceItChecksTagsFirst() {
        a = net.node("192.0.2.1", c -> c.withOpenStrategy(OpenStrategy.ONE_PASS));
        b = net.node("192.0.2.2", c -> c.withOpenStrategy(OpenStrategy.ONE_PASS));
        TestNet.pair(a, "100.64.0.1", b, "100.64.0.2");
        for (int i = 0; i < 3; i++) {
            a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", ("genuine " + i).getBytes()));
        }
        net.pump();
        assertThat(b.delivered).as("genuine packets opened in one pass").hasSize(3);
        byte[] forged = a.sentOf(4).get(0).bytes().clone();
        forged[forged.length - 1] ^= 1;
        ByteBuffer in = ByteBuffer.wrap(forged);
        long now = net.ticker.nanoTime();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) { // warm up: JIT, thread-local scratch; the first forgeries throw
            forged[8] = (byte) (100 + i % 100); // counters the window has not seen, so the replay pre-check passes
            b.device.onDatagram(in.clear(), a.address, now, b);
        }
        long before = b.drops().getOrDefault(WireGuardDropReason.DECRYPT_FAILED, 0L);
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            b.device.onDatagram(in.clear(), a.address, now, b);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
        assertThat(b.drops().get(WireGuardDropReason.DECRYPT_FAILED) - before).isEqualTo(10_000);
        assertThat(allocated).as("bytes allocated by 10,000 forged packets").isLessThan(64 * 1024);
        assertThat(b.delivered).hasSize(3);
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "after the flood".getBytes()));
        net.pump();
        assertThat(b.delivered).as("a genuine packet after the flood").hasSize(4);
    }

    @Test
    void aForgedPacketIsNeverDeliveredAndARealOneStillIs() {
        start(TimerConfig.defaults());
        byte[] real = a.sentOf(4).get(0).bytes();
        for (int bit = 0; bit < 8; bit++) {
            byte[] forged = real.clone();
            forged[16 + bit] ^= (byte) (1 << bit); // ciphertext, not header
            b.device.onDatagram(ByteBuffer.wrap(forged), a.address, net.ticker.nanoTime(), b);
        }
        assertThat(b.delivered).hasSize(1);
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "after".getBytes()));
        net.pump();
        assertThat(b.delivered).hasSize(2);
    }

    @Test
    void aDestroyedKeyNeitherSealsNorOpens() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        AeadKey key = new AeadKey(raw);
        byte[] plain = "secret".getBytes();
        byte[] sealed = new byte[plain.length + ChaChaPoly.TAG_LEN];
        ChaChaPoly.get().seal(key, 1, null, plain, 0, plain.length, sealed, 0);
        key.destroy();

        byte[] out = new byte[64];
        assertThatThrownBy(() -> ChaChaPoly.get().seal(key, 2, null, plain, 0, plain.length, out, 0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("destroyed");
        assertThatThrownBy(() -> ChaChaPoly.get().open(key, 1, null, sealed, 0, sealed.length, out, 0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("destroyed");
        assertThat(out).containsOnly(0);
    }

    /**
     * A seal racing a peer removal: whatever the interleaving, a key either gives its real bytes or refuses. Zeroed
     * (or half-zeroed) key bytes would encrypt under a key anyone can compute.
     */
    @Test
    void aKeyBeingDestroyedNeverHandsOutZeroedBytes() throws Exception {
        SecureRandom random = new SecureRandom();
        AtomicInteger leaks = new AtomicInteger();
        for (int trial = 0; trial < 2_000; trial++) {
            byte[] raw = new byte[32];
            random.nextBytes(raw);
            raw[0] = raw[31] = 1;
            AeadKey key = new AeadKey(raw);
            AtomicBoolean go = new AtomicBoolean();
            Thread reader = new Thread(() -> {
                while (!go.get()) {
                    Thread.onSpinWait();
                }
                while (true) {
                    byte[] k;
                    try {
                        k = key.getEncoded();
                    } catch (IllegalStateException destroyed) {
                        return;
                    }
                    if (!Arrays.equals(k, raw)) {
                        leaks.incrementAndGet();
                    }
                }
            });
            reader.start();
            go.set(true);
            Thread.onSpinWait();
            key.destroy();
            reader.join();
        }
        assertThat(leaks.get()).as("key copies that were not the key").isZero();
    }
}
