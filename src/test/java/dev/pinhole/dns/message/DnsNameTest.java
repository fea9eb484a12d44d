package dev.pinhole.dns.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DnsNameTest {
    @Test
    void trailingDotIsOptional() {
        assertThat(DnsName.of("github.com.")).isEqualTo(DnsName.of("github.com"));
        assertThat(DnsName.of("github.com").toString()).isEqualTo("github.com.");
    }

    @Test
    void keyIsLowerCaseWithoutFinalDot() {
        assertThat(DnsName.of("API.GitHub.com.").key()).isEqualTo("api.github.com");
        assertThat(DnsName.root().key()).isEmpty();
    }

    @Test
    void emptyLabelIsRejectedNamingTheValue() {
        assertThatThrownBy(() -> DnsName.of("a..b")).hasMessageContaining("'a..b'");
    }

    @Test
    void labelOf64OctetsIsRejected() {
        assertThatThrownBy(() -> DnsName.of("a".repeat(64) + ".com")).hasMessageContaining("LABEL_TOO_LONG");
        assertThat(DnsName.of("a".repeat(63) + ".com").labelCount()).isEqualTo(2);
    }

    @Test
    void nameOver255WireOctetsIsRejected() {
        String label = "a".repeat(63);
        String name253 = label + "." + label + "." + label + "." + "a".repeat(61); // wire 255
        assertThat(DnsName.of(name253).wireLength()).isEqualTo(255);
        assertThatThrownBy(() -> DnsName.of(name253 + "a")).hasMessageContaining("NAME_TOO_LONG");
    }

    @Test
    void parentDropsTheLeftmostLabel() {
        assertThat(DnsName.of("a.b.c").parent()).isEqualTo(DnsName.of("b.c"));
        assertThat(DnsName.root().parent()).isEqualTo(DnsName.root());
    }
}
