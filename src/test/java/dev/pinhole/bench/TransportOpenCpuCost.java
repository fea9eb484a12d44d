package dev.pinhole.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;

/**
 * {@link TransportOpenBenchmark}'s four cases as thread CPU time and bytes allocated per open, measured in alternating
 * 100 ms slices so every case sees the same background load: on a shared machine JMH's throughput measures the other
 * jobs, while a thread's own CPU time per operation moves far less. Run by hand:
 * {@code java -cp ... dev.pinhole.bench.TransportOpenCpuCost [size] [rounds]}.
 */
public final class TransportOpenCpuCost {
    private TransportOpenCpuCost() {}

    private interface Case {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 1420;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        TransportOpenBenchmark b = new TransportOpenBenchmark();
        b.size = size;
        b.setUp();
        List<String> names = List.of("open", "openForged", "jdkAeadOpen", "jdkAeadOpenForged");
        List<Case> cases = List.of(b::open, b::openForged, b::jdkAeadOpen, b::jdkAeadOpenForged);
        for (int i = 0; i < 100_000; i++) {
            for (Case c : cases) {
                c.run();
            }
        }
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        double[][] nanos = new double[cases.size()][rounds];
        double[][] bytes = new double[cases.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < cases.size(); k++) {
                Case c = cases.get(k);
                long end = System.nanoTime() + 100_000_000L;
                long n = 0;
                long cpu0 = threads.getCurrentThreadCpuTime();
                long alloc0 = threads.getCurrentThreadAllocatedBytes();
                while (System.nanoTime() < end) {
                    for (int i = 0; i < 64; i++) {
                        c.run();
                    }
                    n += 64;
                }
                nanos[k][r] = (double) (threads.getCurrentThreadCpuTime() - cpu0) / n;
                bytes[k][r] = (double) (threads.getCurrentThreadAllocatedBytes() - alloc0) / n;
            }
        }
        System.out.printf("size=%d java=%s, median of %d slices of 100 ms (p25-p75): thread CPU ns per open, bytes%n",
                size, Runtime.version(), rounds);
        for (int k = 0; k < cases.size(); k++) {
            Arrays.sort(nanos[k]);
            Arrays.sort(bytes[k]);
            System.out.printf("  %-18s %8.0f ns (%.0f-%.0f)  %7.0f B%n", names.get(k), nanos[k][rounds / 2],
                    nanos[k][rounds / 4], nanos[k][3 * rounds / 4], bytes[k][rounds / 2]);
        }
    }
}
