package dev.pinhole.operator.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorStatus;
import dev.pinhole.operator.TestObjects;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which AppConnector updates make the IPSets selecting connectors recompute. */
class ResolutionInputsTest {

    private static AppConnector connector() {
        AppConnector c = TestObjects.connector("apps", "saas");
        c.getMetadata().setLabels(Map.of("team", "pay"));
        return c;
    }

    @Test
    void aStatusWriteDoesNotRecomputeSets() {
        AppConnector updated = connector();
        AppConnectorStatus status = new AppConnectorStatus();
        status.setEndpoints(List.of("198.18.100.20:31000"));
        updated.setStatus(status);
        assertThat(SelectingSets.resolutionInputsChanged(updated, connector())).isFalse();
    }

    @Test
    void aLabelChangeRecomputesSets() {
        AppConnector updated = connector();
        updated.getMetadata().setLabels(Map.of("team", "ops"));
        assertThat(SelectingSets.resolutionInputsChanged(updated, connector())).isTrue();
    }

    @Test
    void anElasticIpChangeRecomputesSets() {
        AppConnector updated = connector();
        updated.getSpec().getEgress().setElasticIP("203.0.113.11");
        assertThat(SelectingSets.resolutionInputsChanged(updated, connector())).isTrue();
    }
}
