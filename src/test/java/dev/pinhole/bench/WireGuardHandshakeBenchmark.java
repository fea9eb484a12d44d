package dev.pinhole.bench;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.Output;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.WireGuardDevice;
import dev.pinhole.wireguard.DeviceConfig;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One complete handshake per operation: initiation (create, consume), response (create, consume) and the
 * confirming keepalive, i.e. both sides' CPU for one session. Time moves 6 s per operation so neither the
 * REKEY_TIMEOUT spacing nor the 20 ms initiation flood guard interferes.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Thread)
public class WireGuardHandshakeBenchmark {
    private WireGuardDevice client;
    private WireGuardDevice server;
    private final InetSocketAddress clientAddr = new InetSocketAddress("192.0.2.1", 51820);
    private final InetSocketAddress serverAddr = new InetSocketAddress("192.0.2.2", 51820);
    private final ByteBuffer wire = ByteBuffer.allocate(2048);
    private long now = 1_000_000_000L;
    private final SteppingClock clock = new SteppingClock();

    /** Each read moves 20 ms so TAI64N timestamps (16 ms granularity) always increase. */
    static final class SteppingClock extends Clock {
        private Instant t = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            t = t.plusMillis(20);
            return t;
        }
    }

    private final Output toWire = new Output() {
        @Override
        public void deliver(Peer peer, ByteBuffer ip) {}

        @Override
        public void send(ByteBuffer datagram, InetSocketAddress to) {
            wire.clear();
            wire.put(datagram);
            wire.flip();
        }
    };

    @Setup
    public void setUp() {
        client = new WireGuardDevice(DeviceConfig.of(Keys.generatePrivate()).withClock(clock));
        server = new WireGuardDevice(DeviceConfig.of(Keys.generatePrivate()).withClock(clock));
        client.upsertPeer(PeerConfig.of(server.publicKey(), List.of(Cidr.parse("100.64.0.2/32")))
                .withEndpoint(serverAddr));
        server.upsertPeer(PeerConfig.of(client.publicKey(), List.of(Cidr.parse("100.64.0.1/32"))));
    }

    @Benchmark
    public long fullHandshake() {
        now += 6_000_000_000L;
        client.initiateHandshake(server.publicKey(), now, toWire);
        server.onDatagram(wire, clientAddr, now, toWire);
        client.onDatagram(wire, serverAddr, now, toWire);
        server.onDatagram(wire, clientAddr, now, toWire);
        return client.drops().total() + server.drops().total();
    }
}
