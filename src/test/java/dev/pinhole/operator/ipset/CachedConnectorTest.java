package dev.pinhole.operator.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorStatus;
import dev.pinhole.api.IPSet;
import dev.pinhole.operator.TestObjects;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The IPSet controller's cached AppConnectors keep what makes them members of a set, and nothing else. */
class CachedConnectorTest {
    private static AppConnector connector(String name, Map<String, String> labels, String elasticIp) {
        AppConnector c = TestObjects.connector("apps", name);
        c.getMetadata().setLabels(labels);
        c.getMetadata().setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("kubectl").build()));
        c.getSpec().getEgress().setElasticIP(elasticIp);
        AppConnectorStatus status = new AppConnectorStatus();
        status.setEgressIPs(List.of("192.0.2.99"));
        c.setStatus(status);
        return c;
    }

    private static List<AppConnector> connectors() {
        return List.of(connector("pay", Map.of("team", "pay"), "203.0.113.10"),
                connector("pay-2", Map.of("team", "pay"), "203.0.113.11"),
                connector("web", Map.of("team", "web"), "203.0.113.12"));
    }

    private static IPSet selecting(String team) {
        IPSet set = TestObjects.ipSet("apps", "egress", List.of("198.51.100.0/30"));
        set.getSpec().setAppConnectors(new LabelSelectorBuilder().withMatchLabels(Map.of("team", team)).build());
        return set;
    }

    /** The CIDRs a set resolves to, or its failure. */
    private static Object resolve(IPSet set, List<AppConnector> connectors) {
        IpSetResolution resolution = new IpSetResolver("apps", n -> Optional.empty(), connectors).resolve(set);
        return resolution instanceof IpSetResolution.Resolved r ? r.addresses().toCidrStrings() : resolution;
    }

    @Test
    void aSelectingSetResolvesTheSameFromCachedConnectorsAsFromWholeOnes() {
        List<AppConnector> cached = connectors().stream().map(CachedConnector::keepMembership).toList();

        assertThat(resolve(selecting("pay"), cached)).isEqualTo(resolve(selecting("pay"), connectors()));
        assertThat(resolve(selecting("pay"), cached)).asString().contains("203.0.113.10/31");
    }

    /** Hostile: a malformed elastic IP must still fail the set, naming the connector, when read from the cache. */
    @Test
    void aMalformedElasticIpStillFailsTheSetFromTheCache() {
        AppConnector bad = CachedConnector.keepMembership(connector("bad", Map.of("team", "pay"), "203.0.113.300"));

        assertThat(resolve(selecting("pay"), List.of(bad))).isInstanceOf(IpSetResolution.Failed.class)
                .asString().contains("bad");
    }

    @Test
    void labelAndElasticIpChangesStillPassTheUpdateFilter() {
        AppConnector before = CachedConnector.keepMembership(connector("pay", Map.of("team", "pay"), "203.0.113.10"));
        AppConnector relabelled = CachedConnector.keepMembership(connector("pay", Map.of("team", "ops"),
                "203.0.113.10"));
        AppConnector moved = CachedConnector.keepMembership(connector("pay", Map.of("team", "pay"), "203.0.113.20"));
        AppConnector statusOnly = connector("pay", Map.of("team", "pay"), "203.0.113.10");
        statusOnly.getStatus().setEgressIPs(List.of("192.0.2.1"));

        assertThat(SelectingSets.resolutionInputsChanged(relabelled, before)).isTrue();
        assertThat(SelectingSets.resolutionInputsChanged(moved, before)).isTrue();
        assertThat(SelectingSets.resolutionInputsChanged(CachedConnector.keepMembership(statusOnly), before)).isFalse();
    }

    @Test
    void theRestOfTheSpecAndTheStatusAreNotCached() {
        AppConnector whole = connector("pay", Map.of("team", "pay"), "203.0.113.10");
        AppConnector cached = CachedConnector.keepMembership(whole);

        assertThat(cached.getStatus()).isNull();
        assertThat(cached.getSpec().getDomains()).isNull();
        assertThat(cached.getSpec().getClients()).isEmpty();
        assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(cached.getMetadata().getLabels()).containsEntry("team", "pay");
        assertThat(cached.getSpec().getRoutes()).isNull();
    }
}
