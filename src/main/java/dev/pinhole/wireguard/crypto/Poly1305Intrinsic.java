package dev.pinhole.wireguard.crypto;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Whether this JVM's ChaCha20-Poly1305 runs Poly1305 as an intrinsic, which makes {@link OpenStrategy#ONE_PASS} the
 * faster open. HotSpot does not expose its diagnostic flag {@code UsePoly1305Intrinsics} to Java, so this repeats
 * its rule (JDK 21 to 25): x86-64 with AVX-512 IFMA, VL and BW, and AVX-512 not switched off. Wrong only costs
 * speed; used only with {@code -Dpinhole.wireguard.open=auto} ({@code one-pass|check-first} force one way).
 */
public final class Poly1305Intrinsic {
    static final String PROPERTY = "pinhole.wireguard.open";

    private Poly1305Intrinsic() {}

    /**
     * The open strategy; read once per device. The check first unless {@code -Dpinhole.wireguard.open} says
     * {@code one-pass}, or {@code auto} (one pass where the rule above finds the intrinsic). Not one pass by default:
     * it is faster on the opening thread (1,367 vs 1,966 ns per 1420-byte open here) but the JDK's AEAD allocates
     * about 2.3 KB per genuine message where the check first allocates 184 B, and the process CPU per GB uploaded,
     * GC included, came out higher with it (5.34-5.95 vs 4.91 s, docs/dataplane.md).
     */
    public static OpenStrategy preferredStrategy() {
        String chosen = System.getProperty(PROPERTY, "check-first");
        return switch (chosen) {
            case "one-pass" -> OpenStrategy.ONE_PASS;
            case "auto" -> present(Runtime.version().feature(), System.getProperty("os.arch", ""), cpuFlags(),
                    ManagementFactory.getRuntimeMXBean().getInputArguments())
                    ? OpenStrategy.ONE_PASS : OpenStrategy.CHECK_FIRST;
            default -> OpenStrategy.CHECK_FIRST;
        };
    }

    /**
     * HotSpot's rule for its Poly1305 intrinsic: {@code cpuFlags} as /proc/cpuinfo's "flags" line, {@code jvmArgs}
     * the JVM's own options (one that lowers {@code UseAVX} below 3 or turns the intrinsic off disables it).
     */
    static boolean present(int jdkFeature, String arch, String cpuFlags, List<String> jvmArgs) {
        if (jdkFeature < 21 || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return false;
        }
        List<String> flags = List.of(cpuFlags.toLowerCase(Locale.ROOT).trim().split("\\s+"));
        if (!flags.containsAll(List.of("avx512ifma", "avx512vl", "avx512bw"))) {
            return false;
        }
        for (String arg : jvmArgs) {
            if (arg.equals("-XX:-UsePoly1305Intrinsics") || arg.matches("-XX:UseAVX=[0-2]")) {
                return false;
            }
        }
        return true;
    }

    /** The first "flags" line of /proc/cpuinfo, or "" where there is none (not Linux, or not readable). */
    private static String cpuFlags() {
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("flags")).findFirst().map(l -> l.substring(l.indexOf(':') + 1))
                    .orElse("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
