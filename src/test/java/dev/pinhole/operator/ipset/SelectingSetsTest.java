package dev.pinhole.operator.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.IPSet;
import dev.pinhole.api.IPSetSpec;
import dev.pinhole.api.ObjectReference;
import dev.pinhole.operator.TestObjects;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which IPSets an AppConnector event recomputes. */
class SelectingSetsTest {
    private final SelectingSets selecting = new SelectingSets();
    private final List<IPSet> sets = new ArrayList<>();

    SelectingSetsTest() {
        selecting("pay-egress", Map.of("team", "pay"));
        selecting("ops-egress", Map.of("team", "ops"));
        IPSet all = set("all-egress");
        all.getSpec().setInclude(List.of(new ObjectReference("pay-egress")));
        set("static");
    }

    private IPSet set(String name) {
        IPSet set = new IPSet();
        set.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("apps").build());
        set.setSpec(new IPSetSpec());
        sets.add(set);
        return set;
    }

    private void selecting(String name, Map<String, String> matchLabels) {
        set(name).getSpec().setAppConnectors(new LabelSelectorBuilder().withMatchLabels(matchLabels).build());
    }

    private static AppConnector connector(Map<String, String> labels) {
        AppConnector c = TestObjects.connector("apps", "saas");
        c.getMetadata().setLabels(labels);
        return c;
    }

    @Test
    void aNewConnectorRecomputesOnlyTheSetsSelectingItAndTheirIncluders() {
        assertThat(selecting.affected(sets, connector(Map.of("team", "pay"))))
                .containsExactlyInAnyOrder("pay-egress", "all-egress");
    }

    @Test
    void aConnectorNoSetSelectsRecomputesNothing() {
        assertThat(selecting.affected(sets, connector(Map.of("team", "web")))).isEmpty();
    }

    @Test
    void aLabelChangeRecomputesTheSetsTheConnectorLeftAndJoined() {
        AppConnector before = connector(Map.of("team", "pay"));
        AppConnector after = connector(Map.of("team", "ops"));

        assertThat(selecting.acceptUpdate(after, before)).isTrue();
        assertThat(selecting.affected(sets, after)).containsExactlyInAnyOrder("pay-egress", "all-egress", "ops-egress");
    }

    @Test
    void theLabelsBeforeAnUpdateServeOnlyThatUpdate() {
        AppConnector before = connector(Map.of("team", "pay"));
        AppConnector after = connector(Map.of("team", "ops"));
        selecting.acceptUpdate(after, before);
        selecting.affected(sets, after);

        assertThat(selecting.affected(sets, after)).containsExactly("ops-egress");
    }

    @Test
    void anElasticIpChangeRecomputesTheSetsSelectingTheConnector() {
        AppConnector before = connector(Map.of("team", "pay"));
        AppConnector after = connector(Map.of("team", "pay"));
        after.getSpec().getEgress().setElasticIP("203.0.113.11");

        assertThat(selecting.acceptUpdate(after, before)).isTrue();
        assertThat(selecting.affected(sets, after)).containsExactlyInAnyOrder("pay-egress", "all-egress");
    }

    @Test
    @dev.pinhole.testing.Adversarial
    void aSetWithAMalformedSelectorDoesNotStopTheOtherSetsOfItsNamespaceFollowingConnectors() {
        for (String operator : new String[] {"Matches", null}) {
            IPSet broken = set("broken-" + operator);
            broken.getSpec().setAppConnectors(new LabelSelectorBuilder().addNewMatchExpression()
                    .withKey("team").withOperator(operator).withValues("pay").endMatchExpression().build());
        }
        assertThat(selecting.affected(sets, connector(Map.of("team", "pay"))))
                .containsExactlyInAnyOrder("pay-egress", "all-egress");
    }
}
