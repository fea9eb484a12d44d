package dev.pinhole.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.IPSet;
import dev.pinhole.api.IPSetSource;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The IPSet reconciler against an API server in the test JVM (Fabric8 mock, CRUD mode). */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class IPSetReconcilerTest {
    @Inject
    KubernetesClient client;

    private IPSet awaitSet(String ns, String name, Predicate<IPSet> until) {
        return await().atMost(Duration.ofSeconds(60)).until(
                () -> client.resources(IPSet.class).inNamespace(ns).withName(name).get(),
                s -> s != null && s.getStatus() != null && until.test(s));
    }

    private static Condition ready(IPSet s) {
        return s.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst()
                .orElseThrow();
    }

    private static boolean isReady(IPSet s) {
        return s.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType())
                && "True".equals(c.getStatus()));
    }

    @Test
    void publishesTheMinimalSortedCidrList() {
        client.resource(TestObjects.ipSet("ips-a", "office", List.of(
                "203.0.113.10", "198.51.100.0/28", "198.51.100.16/28", "192.0.2.10-192.0.2.20", "2001:db8::/64")))
                .create();
        IPSet s = awaitSet("ips-a", "office", IPSetReconcilerTest::isReady);
        assertThat(s.getStatus().getCidrs()).containsExactly(
                "192.0.2.10/31", "192.0.2.12/30", "192.0.2.16/30", "192.0.2.20/32",
                "198.51.100.0/27", "203.0.113.10/32", "2001:db8::/64");
        assertThat(s.getStatus().getCidrCount()).isEqualTo(7);
        assertThat(s.getStatus().getObservedGeneration()).isEqualTo(s.getMetadata().getGeneration());
    }

    @Test
    void resolvesIncludesExcludesAndSelectedConnectors() {
        String ns = "ips-b";
        client.resource(TestObjects.ipSet(ns, "base", List.of("198.51.100.0/29"))).create();
        AppConnector pay = TestObjects.connector(ns, "pay");
        pay.getMetadata().setLabels(Map.of("team", "pay"));
        client.resource(pay).create();
        IPSet all = TestObjects.ipSet(ns, "all", List.of("192.0.2.1"), "base");
        all.getSpec().setExclude(new ArrayList<>(List.of("198.51.100.7")));
        all.getSpec().setAppConnectors(new LabelSelectorBuilder().withMatchLabels(Map.of("team", "pay")).build());
        client.resource(all).create();
        IPSet s = awaitSet(ns, "all", IPSetReconcilerTest::isReady);
        assertThat(s.getStatus().getCidrs()).containsExactly(
                "192.0.2.1/32", "198.51.100.0/30", "198.51.100.4/31", "198.51.100.6/32", "203.0.113.10/32");
        assertThat(s.getStatus().getAddressCount()).isEqualTo("9");
    }

    @Test
    void aChangeToAnIncludedSetRecomputesTheSetsThatIncludeIt() {
        String ns = "ips-c";
        client.resource(TestObjects.ipSet(ns, "leaf", List.of("192.0.2.1"))).create();
        client.resource(TestObjects.ipSet(ns, "middle", List.of(), "leaf")).create();
        client.resource(TestObjects.ipSet(ns, "top", List.of(), "middle")).create();
        awaitSet(ns, "top", s -> isReady(s) && s.getStatus().getCidrs().equals(List.of("192.0.2.1/32")));
        client.resources(IPSet.class).inNamespace(ns).withName("leaf").edit(s -> {
            s.getSpec().getAddresses().add("192.0.2.2");
            return s;
        });
        IPSet top = awaitSet(ns, "top", s -> s.getStatus().getCidrs().equals(List.of("192.0.2.1/32", "192.0.2.2/32")));
        assertThat(isReady(top)).isTrue();
    }

    @Test
    void aMalformedEntryIsReportedAndNothingIsPublished() {
        client.resource(TestObjects.ipSet("ips-d", "bad", List.of("192.0.2.1", "198.51.100.5/24"))).create();
        IPSet s = awaitSet("ips-d", "bad", x -> !x.getStatus().getConditions().isEmpty());
        assertThat(ready(s).getStatus()).isEqualTo("False");
        assertThat(ready(s).getReason()).isEqualTo("InvalidEntry");
        assertThat(ready(s).getMessage()).contains("spec.addresses[1]").contains("198.51.100.5/24")
                .contains("host bits");
        assertThat(s.getStatus().getCidrs()).isEmpty();
    }

    @Test
    void anIncludeCycleIsNamed() {
        String ns = "ips-e";
        client.resource(TestObjects.ipSet(ns, "a", List.of("192.0.2.1"), "b")).create();
        client.resource(TestObjects.ipSet(ns, "b", List.of("192.0.2.2"), "a")).create();
        IPSet a = awaitSet(ns, "a", x -> "IncludeCycle".equals(ready(x).getReason()));
        assertThat(ready(a).getMessage()).isEqualTo("include cycle: a -> b -> a");
        assertThat(a.getStatus().getCidrs()).isEmpty();
    }

    @Test
    void anUnknownIncludeIsNamed() {
        client.resource(TestObjects.ipSet("ips-f", "orphan", List.of("192.0.2.1"), "ghost")).create();
        IPSet s = awaitSet("ips-f", "orphan", x -> "UnknownReference".equals(ready(x).getReason()));
        assertThat(ready(s).getMessage()).contains("spec.include[0]").contains("\"ghost\"");
    }

    @Test
    void fixingTheSpecMakesTheSetReadyAgain() {
        client.resource(TestObjects.ipSet("ips-g", "fixme", List.of("not-an-ip"))).create();
        awaitSet("ips-g", "fixme", x -> "InvalidEntry".equals(ready(x).getReason()));
        client.resources(IPSet.class).inNamespace("ips-g").withName("fixme").edit(s -> {
            s.getSpec().setAddresses(new ArrayList<>(List.of("192.0.2.9")));
            return s;
        });
        IPSet s = awaitSet("ips-g", "fixme", IPSetReconcilerTest::isReady);
        assertThat(s.getStatus().getCidrs()).containsExactly("192.0.2.9/32");
        assertThat(s.getStatus().getConditions()).filteredOn(c -> "Invalid".equals(c.getType()))
                .singleElement().extracting(Condition::getStatus).isEqualTo("False");
    }

    @Test
    void aSourceAtAHostTheOperatorDoesNotAllowIsRefusedWithoutAFetch() {
        IPSet set = TestObjects.ipSet("ips-h", "fed", List.of("192.0.2.1"));
        IPSetSource source = new IPSetSource();
        source.setUrl("https://kubernetes.default.svc/api/v1/secrets");
        source.setFormat("text");
        set.getSpec().setSources(List.of(source));
        client.resource(set).create();

        IPSet s = awaitSet("ips-h", "fed", x -> "InvalidSource".equals(ready(x).getReason()));
        assertThat(ready(s).getMessage()).isEqualTo("spec.sources[0].url:"
                + " \"https://kubernetes.default.svc/api/v1/secrets\": host \"kubernetes.default.svc\" is not in the"
                + " operator's allowed feed hosts (an admin lists feed hosts in pinhole.feeds.allowed-hosts)");
        assertThat(s.getStatus().getCidrs()).isEmpty();
    }
}
