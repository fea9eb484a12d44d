package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.IPSet;
import dev.pinhole.api.IPSetSourceStatus;
import dev.pinhole.api.IPSetStatus;
import dev.pinhole.operator.TestObjects;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The AppConnector controller's cached IPSets keep what a connector routes by: the published, current result. */
class CachedRouteSetTest {
    private static IPSet set(long generation, long observed, String ready) {
        IPSet set = TestObjects.ipSet("apps", "vendors", List.of("198.51.100.0/24"), "office");
        set.getMetadata().setGeneration(generation);
        IPSetStatus status = new IPSetStatus();
        status.setObservedGeneration(observed);
        status.setCidrs("True".equals(ready) ? List.of("198.51.100.0/24") : List.of());
        status.setConditions(List.of(new ConditionBuilder().withType("Ready").withStatus(ready)
                .withReason("True".equals(ready) ? "Resolved" : "InvalidEntry").withMessage("because").build()));
        status.setSources(List.of(new IPSetSourceStatus()));
        set.setStatus(status);
        return set;
    }

    /** Hostile: a stale or failed set must not look usable from the cache, nor a usable one unusable. */
    @ParameterizedTest
    @CsvSource({"2, 2, True", "3, 2, True", "2, 2, False", "3, 2, False"})
    void readinessAndRoutesAreTheWholeObjects(long generation, long observed, String ready) {
        IPSet cached = CachedRouteSet.keepPublished(set(generation, observed, ready));
        IPSet whole = set(generation, observed, ready);

        assertThat(IpSetReadiness.of(cached)).isEqualTo(IpSetReadiness.of(whole));
        assertThat(IpSetReadiness.why(cached)).isEqualTo(IpSetReadiness.why(whole));
        assertThat(cached.getStatus().getCidrs()).isEqualTo(whole.getStatus().getCidrs());
        assertThat(cached.getSpec()).isNull();
        assertThat(cached.getStatus().getSources()).isNull();
    }
}
