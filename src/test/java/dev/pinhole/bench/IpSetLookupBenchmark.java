package dev.pinhole.bench;

import dev.pinhole.ipset.IpSet;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Data-plane membership: one lookup per packet against the set built from the 100,000 entries of
 * {@link IpSetNormalizeBenchmark}. Probes mix hits and misses; each invocation does {@value #PROBES} lookups.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IpSetLookupBenchmark {
    static final int PROBES = 1024;

    IpSet set;
    int[] ipv4Probes;
    long[] ipv6Probes; // hi, lo pairs
    ByteBuffer packets; // PROBES fake IPv4 headers of 20 bytes, destination at offset 16

    @Setup
    public void setUp() {
        set = IpSet.parse(IpSetNormalizeBenchmark.mixedEntries(IpSetNormalizeBenchmark.ENTRIES, 42));
        Random random = new Random(7);
        ipv4Probes = new int[PROBES];
        ipv6Probes = new long[2 * PROBES];
        packets = ByteBuffer.allocateDirect(20 * PROBES);
        for (int i = 0; i < PROBES; i++) {
            // 100.64.0.0/10, where the entries lie and about half the addresses are in the set
            ipv4Probes[i] = 0x64400000 + random.nextInt(1 << 22);
            ipv6Probes[2 * i] = 0x20010db800000000L | random.nextInt(1 << 16);
            ipv6Probes[2 * i + 1] = random.nextInt(1 << 13);
            packets.putInt(20 * i + 16, ipv4Probes[i]);
        }
        System.err.printf("set: %d IPv4 ranges, %d IPv6 ranges, %d CIDRs%n", set.ipv4().rangeCount(),
                set.ipv6().rangeCount(), set.toCidrs().size());
    }

    @Benchmark
    @OperationsPerInvocation(PROBES)
    public int contains4() {
        int hits = 0;
        for (int probe : ipv4Probes) {
            if (set.contains4(probe)) {
                hits++;
            }
        }
        return hits;
    }

    @Benchmark
    @OperationsPerInvocation(PROBES)
    public int contains6() {
        int hits = 0;
        for (int i = 0; i < PROBES; i++) {
            if (set.contains6(ipv6Probes[2 * i], ipv6Probes[2 * i + 1])) {
                hits++;
            }
        }
        return hits;
    }

    @Benchmark
    @OperationsPerInvocation(PROBES)
    public int containsIpv4AtBufferOffset() {
        int hits = 0;
        for (int i = 0; i < PROBES; i++) {
            if (set.containsIpv4At(packets, 20 * i + 16)) {
                hits++;
            }
        }
        return hits;
    }
}
