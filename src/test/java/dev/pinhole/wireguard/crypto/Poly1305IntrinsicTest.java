package dev.pinhole.wireguard.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one-pass open is chosen only where HotSpot's Poly1305 intrinsic runs (checked against JDK 25 on this CPU). */
class Poly1305IntrinsicTest {
    private static final String IFMA_CPU = "fpu sse2 avx2 avx512f avx512dq avx512ifma avx512cd avx512bw avx512vl";

    @Test
    void presentOnX8664WithAvx512IfmaFromJdk21() {
        assertThat(Poly1305Intrinsic.present(21, "amd64", IFMA_CPU, List.of())).isTrue();
        assertThat(Poly1305Intrinsic.present(25, "amd64", IFMA_CPU, List.of("-Xmx128m", "-XX:UseAVX=3"))).isTrue();
    }

    @Test
    void absentOnJdk17() {
        assertThat(Poly1305Intrinsic.present(17, "amd64", IFMA_CPU, List.of())).isFalse();
    }

    @Test
    void absentWithoutIfmaAsOnAvx2OnlyOrSkylakeCpus() {
        assertThat(Poly1305Intrinsic.present(25, "amd64", "fpu sse2 avx2 avx512f avx512bw avx512vl", List.of()))
                .isFalse();
        assertThat(Poly1305Intrinsic.present(25, "amd64", "fpu sse2 avx2", List.of())).isFalse();
        assertThat(Poly1305Intrinsic.present(25, "amd64", "", List.of())).as("no /proc/cpuinfo").isFalse();
    }

    @Test
    void absentOnOtherArchitectures() {
        assertThat(Poly1305Intrinsic.present(25, "aarch64", IFMA_CPU, List.of())).isFalse();
    }

    @Test
    void absentWhenTheJvmIsToldToSkipIt() {
        assertThat(Poly1305Intrinsic.present(25, "amd64", IFMA_CPU, List.of("-XX:UseAVX=2"))).isFalse();
        assertThat(Poly1305Intrinsic.present(25, "amd64", IFMA_CPU,
                List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:-UsePoly1305Intrinsics"))).isFalse();
    }
}
