package dev.pinhole.bench;

import java.util.Arrays;

/**
 * Ratio of tunnel seal+open throughput to bare JDK cipher throughput, measured in alternating 200 ms slices so
 * both see the same background load (JMH runs them minutes apart, which on a shared box compares two different
 * machines). Run by hand: {@code java -cp ... dev.pinhole.bench.InterleavedTransportComparison [size] [rounds]}.
 */
public final class InterleavedTransportComparison {
    private InterleavedTransportComparison() {}

    public static void main(String[] args) throws Exception {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 1420;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        WireGuardTransportBenchmark b = new WireGuardTransportBenchmark();
        b.size = size;
        b.setUp();
        for (int i = 0; i < 200_000; i++) {
            b.tunnelSealOpen();
            b.jdkSealOpen();
        }
        double[] ratios = new double[rounds];
        double[] tunnelRates = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            double tunnel = rate(b, true);
            double jdk = rate(b, false);
            ratios[r] = tunnel / jdk;
            tunnelRates[r] = tunnel;
        }
        Arrays.sort(ratios);
        Arrays.sort(tunnelRates);
        System.out.printf("size=%d java=%s median tunnel/jdk=%.3f (p25 %.3f, p75 %.3f); tunnel median %.0f ops/s%n",
                size, Runtime.version(), ratios[rounds / 2], ratios[rounds / 4], ratios[3 * rounds / 4],
                tunnelRates[rounds / 2]);
    }

    private static double rate(WireGuardTransportBenchmark b, boolean tunnel) throws Exception {
        long end = System.nanoTime() + 200_000_000L;
        long n = 0;
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            for (int i = 0; i < 64; i++) {
                if (tunnel) {
                    b.tunnelSealOpen();
                } else {
                    b.jdkSealOpen();
                }
            }
            n += 64;
        }
        return n * 1e9 / (System.nanoTime() - start);
    }
}
