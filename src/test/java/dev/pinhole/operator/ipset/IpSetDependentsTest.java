package dev.pinhole.operator.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.IPSet;
import dev.pinhole.api.IPSetSpec;
import dev.pinhole.api.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpSetDependentsTest {
    private final List<IPSet> all = new ArrayList<>();

    private void set(String name, String... includes) {
        IPSet set = new IPSet();
        set.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("apps").build());
        IPSetSpec spec = new IPSetSpec();
        spec.setInclude(Arrays.stream(includes).map(ObjectReference::new).toList());
        set.setSpec(spec);
        all.add(set);
    }

    @Test
    void directIncludersAreFound() {
        set("leaf");
        set("parent", "leaf");
        set("unrelated");

        assertThat(IpSetDependents.includers(all, "leaf")).containsExactlyInAnyOrder("parent");
    }

    @Test
    void includersAreTransitive() {
        set("leaf");
        set("mid", "leaf");
        set("top", "mid");
        set("other", "unrelated");
        set("unrelated");

        assertThat(IpSetDependents.includers(all, "leaf")).containsExactlyInAnyOrder("mid", "top");
    }

    @Test
    void includersOfADeletedSetAreStillFound() {
        set("mid", "deleted");
        set("top", "mid");

        assertThat(IpSetDependents.includers(all, "deleted")).containsExactlyInAnyOrder("mid", "top");
    }

    @Test
    void aSetWithNoIncludersHasNone() {
        set("leaf");
        set("other");

        assertThat(IpSetDependents.includers(all, "leaf")).isEmpty();
    }

    @Test
    void includeCyclesTerminate() {
        set("a", "b");
        set("b", "a");
        set("top", "a");

        assertThat(IpSetDependents.includers(all, "a")).containsExactlyInAnyOrder("a", "b", "top");
    }

    @Test
    void affectedContainsTheSeedsAndEveryTransitiveIncluder() {
        set("leaf");
        set("mid", "leaf");
        set("top", "mid");
        set("other");

        assertThat(IpSetDependents.affected(all, s -> s.getMetadata().getName().equals("leaf")))
                .containsExactlyInAnyOrder("leaf", "mid", "top");
    }

    @Test
    void setsWithoutSpecAreTolerated() {
        IPSet bare = new IPSet();
        bare.setMetadata(new ObjectMetaBuilder().withName("bare").build());
        all.add(bare);
        set("parent", "bare");

        assertThat(IpSetDependents.includers(all, "bare")).containsExactly("parent");
    }
}
