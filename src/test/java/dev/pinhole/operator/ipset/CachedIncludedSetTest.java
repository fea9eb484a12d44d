package dev.pinhole.operator.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.IPSet;
import dev.pinhole.api.IPSetStatus;
import dev.pinhole.operator.TestObjects;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The include source's cache keeps an IPSet's spec, the only thing its update filter compares. */
class CachedIncludedSetTest {
    private static IPSet resolved(List<String> addresses) {
        IPSet set = TestObjects.ipSet("apps", "office", addresses, "vpn");
        IPSetStatus status = new IPSetStatus();
        status.setCidrs(List.of("198.51.100.0/24"));
        set.setStatus(status);
        return set;
    }

    @Test
    void theSpecIsKeptAndTheStatusIsNot() {
        IPSet cached = CachedIncludedSet.keepSpec(resolved(List.of("198.51.100.0/24")));

        assertThat(Serialization.asJson(cached.getSpec()))
                .isEqualTo(Serialization.asJson(resolved(List.of("198.51.100.0/24")).getSpec()));
        assertThat(cached.getStatus()).isNull();
    }

    @Test
    void aSpecChangeIsStillSeenBetweenCachedCopies() {
        IPSet before = CachedIncludedSet.keepSpec(resolved(List.of("198.51.100.0/24")));
        IPSet after = CachedIncludedSet.keepSpec(resolved(List.of("198.51.100.0/25")));

        assertThat(Serialization.asJson(after.getSpec())).isNotEqualTo(Serialization.asJson(before.getSpec()));
    }
}
