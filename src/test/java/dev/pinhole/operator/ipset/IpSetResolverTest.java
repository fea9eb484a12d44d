package dev.pinhole.operator.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.api.IPSet;
import dev.pinhole.api.IPSetSpec;
import dev.pinhole.api.ObjectReference;
import dev.pinhole.operator.ConditionTypes.Reason;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class IpSetResolverTest {
    private static final String NS = "apps";

    private final Map<String, IPSet> sets = new LinkedHashMap<>();
    private final List<AppConnector> connectors = new java.util.ArrayList<>();

    private IPSet set(String name, List<String> addresses, List<String> include, List<String> exclude) {
        IPSet set = new IPSet();
        set.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
        IPSetSpec spec = new IPSetSpec();
        spec.setAddresses(addresses);
        spec.setInclude(include.stream().map(ObjectReference::new).toList());
        spec.setExclude(exclude);
        set.setSpec(spec);
        sets.put(name, set);
        return set;
    }

    private IPSet set(String name, String... addresses) {
        return set(name, Arrays.asList(addresses), List.of(), List.of());
    }

    private void connector(String name, Map<String, String> labels, String elasticIP) {
        AppConnector c = new AppConnector();
        c.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).withLabels(labels).build());
        AppConnectorSpec spec = new AppConnectorSpec();
        AppConnectorSpec.Egress egress = new AppConnectorSpec.Egress();
        egress.setElasticIP(elasticIP);
        spec.setEgress(egress);
        c.setSpec(spec);
        connectors.add(c);
    }

    private IpSetResolution resolve(IPSet root) {
        Function<String, Optional<IPSet>> lookup = n -> Optional.ofNullable(sets.get(n));
        return new IpSetResolver(NS, lookup, connectors).resolve(root);
    }

    private List<String> cidrs(IPSet root) {
        IpSetResolution r = resolve(root);
        assertThat(r).isInstanceOf(IpSetResolution.Resolved.class);
        return ((IpSetResolution.Resolved) r).addresses().toCidrStrings();
    }

    private IpSetResolution.Failed failure(IPSet root) {
        IpSetResolution r = resolve(root);
        assertThat(r).isInstanceOf(IpSetResolution.Failed.class);
        return (IpSetResolution.Failed) r;
    }

    @Test
    void literalEntriesAreMergedIntoMinimalCidrs() {
        IPSet s = set("s", "192.0.2.0/25", "192.0.2.128/25", "198.51.100.7", "203.0.113.10-203.0.113.13",
                "2001:db8::/64");

        assertThat(cidrs(s)).containsExactly("192.0.2.0/24", "198.51.100.7/32", "203.0.113.10/31",
                "203.0.113.12/31", "2001:db8::/64");
    }

    @Test
    void overlappingAndDuplicateEntriesCollapse() {
        IPSet s = set("s", "198.51.100.0/24", "198.51.100.5", "198.51.100.0/24", "198.51.100.10-198.51.100.20");

        assertThat(cidrs(s)).containsExactly("198.51.100.0/24");
    }

    @Test
    void emptySpecResolvesToAnEmptySet() {
        IPSet s = new IPSet();
        s.setMetadata(new ObjectMetaBuilder().withName("s").withNamespace(NS).build());

        assertThat(cidrs(s)).isEmpty();
    }

    @Test
    void includedSetsAreAdded() {
        set("b", "198.51.100.0/24");
        IPSet a = set("a", List.of("192.0.2.1"), List.of("b"), List.of());

        assertThat(cidrs(a)).containsExactly("192.0.2.1/32", "198.51.100.0/24");
    }

    @Test
    void includesAreTransitive() {
        set("c", "203.0.113.0/24");
        set("b", List.of("198.51.100.0/24"), List.of("c"), List.of());
        IPSet a = set("a", List.of(), List.of("b"), List.of());

        assertThat(cidrs(a)).containsExactly("198.51.100.0/24", "203.0.113.0/24");
    }

    @Test
    void diamondIncludeIsNotACycle() {
        set("d", "203.0.113.0/24");
        set("b", List.of(), List.of("d"), List.of());
        set("c", List.of(), List.of("d"), List.of());
        IPSet a = set("a", List.of(), List.of("b", "c"), List.of());

        assertThat(cidrs(a)).containsExactly("203.0.113.0/24");
    }

    @Test
    void excludeIsAppliedAfterIncludes() {
        set("b", "198.51.100.0/24");
        IPSet a = set("a", List.of(), List.of("b"), List.of("198.51.100.128/25"));

        assertThat(cidrs(a)).containsExactly("198.51.100.0/25");
    }

    @Test
    void excludeRemovesSingleAddressesAndRanges() {
        IPSet a = set("a", List.of("192.0.2.0/30"), List.of(), List.of("192.0.2.0", "192.0.2.2-192.0.2.3"));

        assertThat(cidrs(a)).containsExactly("192.0.2.1/32");
    }

    @Test
    void includedSetsOwnExcludeAppliesOnlyToIt() {
        set("b", List.of("198.51.100.0/24"), List.of(), List.of("198.51.100.0/25"));
        IPSet a = set("a", List.of("198.51.100.0/26"), List.of("b"), List.of());

        assertThat(cidrs(a)).containsExactly("198.51.100.0/26", "198.51.100.128/25");
    }

    @Test
    void selectedAppConnectorsAddTheirElasticIp() {
        connector("eu", Map.of("team", "payments"), "203.0.113.10");
        connector("us", Map.of("team", "payments"), "203.0.113.20");
        IPSet a = set("a");
        a.getSpec().setAppConnectors(new LabelSelectorBuilder().addToMatchLabels("team", "payments").build());

        assertThat(cidrs(a)).containsExactly("203.0.113.10/32", "203.0.113.20/32");
    }

    @Test
    void nonMatchingAppConnectorsAreNotAdded() {
        connector("eu", Map.of("team", "payments"), "203.0.113.10");
        connector("other", Map.of("team", "search"), "203.0.113.99");
        IPSet a = set("a");
        a.getSpec().setAppConnectors(new LabelSelectorBuilder().addToMatchLabels("team", "payments").build());

        assertThat(cidrs(a)).containsExactly("203.0.113.10/32");
    }

    @Test
    void withoutSelectorNoAppConnectorIsAdded() {
        connector("eu", Map.of("team", "payments"), "203.0.113.10");
        IPSet a = set("a", "192.0.2.1");

        assertThat(cidrs(a)).containsExactly("192.0.2.1/32");
    }

    @Test
    void emptySelectorAddsEveryAppConnector() {
        connector("eu", Map.of("team", "payments"), "203.0.113.10");
        connector("us", Map.of(), "2001:db8::10");
        IPSet a = set("a");
        a.getSpec().setAppConnectors(new LabelSelector());

        assertThat(cidrs(a)).containsExactly("203.0.113.10/32", "2001:db8::10/128");
    }

    @Test
    void excludeAlsoRemovesAppConnectorAddresses() {
        connector("eu", Map.of(), "203.0.113.10");
        IPSet a = set("a", List.of(), List.of(), List.of("203.0.113.10"));
        a.getSpec().setAppConnectors(new LabelSelector());

        assertThat(cidrs(a)).isEmpty();
    }

    @Test
    void malformedElasticIpOfASelectedConnectorNamesTheConnector() {
        connector("eu", Map.of(), "203.0.113.999");
        IPSet a = set("a");
        a.getSpec().setAppConnectors(new LabelSelector());

        IpSetResolution.Failed f = failure(a);

        assertThat(f.reason()).isEqualTo(Reason.INVALID_ENTRY);
        assertThat(f.message()).contains("AppConnector eu", "spec.egress.elasticIP", "203.0.113.999");
    }

    @Test
    void twoSetIncludeCycleIsReportedWithItsPath() {
        set("b", List.of(), List.of("a"), List.of());
        IPSet a = set("a", List.of(), List.of("b"), List.of());

        IpSetResolution.Failed f = failure(a);

        assertThat(f.reason()).isEqualTo(Reason.INCLUDE_CYCLE);
        assertThat(f.message()).contains("a -> b -> a");
    }

    @Test
    void selfIncludeIsACycle() {
        IPSet a = set("a", List.of("192.0.2.1"), List.of("a"), List.of());

        IpSetResolution.Failed f = failure(a);

        assertThat(f.reason()).isEqualTo(Reason.INCLUDE_CYCLE);
        assertThat(f.message()).contains("a -> a");
    }

    @Test
    void cycleBelowTheRootNamesOnlyTheCycle() {
        set("c", List.of(), List.of("b"), List.of());
        set("b", List.of(), List.of("c"), List.of());
        IPSet root = set("root", List.of(), List.of("b"), List.of());

        IpSetResolution.Failed f = failure(root);

        assertThat(f.reason()).isEqualTo(Reason.INCLUDE_CYCLE);
        assertThat(f.message()).contains("b -> c -> b").doesNotContain("root");
    }

    @Test
    void unknownIncludeNamesTheFieldIndexAndTheMissingName() {
        set("b", "192.0.2.1");
        IPSet a = set("a", List.of(), List.of("b", "ghost"), List.of());

        IpSetResolution.Failed f = failure(a);

        assertThat(f.reason()).isEqualTo(Reason.UNKNOWN_REFERENCE);
        assertThat(f.message()).contains("spec.include[1]", "\"ghost\"", NS);
    }

    @Test
    void unknownIncludeInsideAnIncludedSetNamesThatSet() {
        set("b", List.of(), List.of("ghost"), List.of());
        IPSet a = set("a", List.of(), List.of("b"), List.of());

        IpSetResolution.Failed f = failure(a);

        assertThat(f.reason()).isEqualTo(Reason.UNKNOWN_REFERENCE);
        assertThat(f.message()).contains("IPSet b", "spec.include[0]", "ghost");
    }

    @Test
    void malformedAddressNamesFieldIndexAndValue() {
        IPSet a = set("a", "192.0.2.1", "198.51.100.5/24");

        IpSetResolution.Failed f = failure(a);

        assertThat(f.reason()).isEqualTo(Reason.INVALID_ENTRY);
        assertThat(f.message()).startsWith("spec.addresses[1]").contains("198.51.100.5/24");
    }

    @Test
    void malformedExcludeNamesFieldIndexAndValue() {
        IPSet a = set("a", List.of("192.0.2.0/24"), List.of(), List.of("192.0.2.1", "not-an-ip"));

        IpSetResolution.Failed f = failure(a);

        assertThat(f.reason()).isEqualTo(Reason.INVALID_ENTRY);
        assertThat(f.message()).startsWith("spec.exclude[1]").contains("not-an-ip");
    }

    @Test
    void reversedRangeIsAnInvalidEntry() {
        IPSet a = set("a", "192.0.2.20-192.0.2.10");

        IpSetResolution.Failed f = failure(a);

        assertThat(f.reason()).isEqualTo(Reason.INVALID_ENTRY);
        assertThat(f.message()).contains("spec.addresses[0]", "192.0.2.20-192.0.2.10");
    }

    @Test
    void malformedEntryInAnIncludedSetNamesThatSet() {
        set("b", "192.0.2.1", "300.0.0.1");
        IPSet a = set("a", List.of("198.51.100.1"), List.of("b"), List.of());

        IpSetResolution.Failed f = failure(a);

        assertThat(f.reason()).isEqualTo(Reason.INVALID_ENTRY);
        assertThat(f.message()).contains("IPSet b", "spec.addresses[1]", "300.0.0.1");
    }

    @Test
    void malformedExcludeInADeeplyIncludedSetNamesThatSet() {
        set("c", List.of("203.0.113.0/24"), List.of(), List.of("203.0.113.0/33"));
        set("b", List.of(), List.of("c"), List.of());
        IPSet a = set("a", List.of(), List.of("b"), List.of());

        IpSetResolution.Failed f = failure(a);

        assertThat(f.reason()).isEqualTo(Reason.INVALID_ENTRY);
        assertThat(f.message()).contains("IPSet c", "spec.exclude[0]", "203.0.113.0/33");
    }

    @Test
    void aRootFailureMessageHasNoSetPrefix() {
        IPSet a = set("a", "bogus");

        assertThat(failure(a).message()).doesNotContain("IPSet a");
    }

    @Test
    @dev.pinhole.testing.Adversarial
    void aSelectorWithAnUnknownOperatorIsInvalidNamingTheFieldAndTheValue() {
        connector("pay", Map.of("team", "pay"), "203.0.113.10");
        IPSet root = set("egress");
        root.getSpec().setAppConnectors(new LabelSelectorBuilder().addNewMatchExpression().withKey("team")
                .withOperator("Matches").withValues("pay").endMatchExpression().build());
        assertThat(resolve(root)).isEqualTo(new IpSetResolution.Failed(Reason.INVALID_SELECTOR,
                "spec.appConnectors.matchExpressions[0].operator: \"Matches\": expected In, NotIn, Exists or"
                        + " DoesNotExist"));
    }

    @Test
    @dev.pinhole.testing.Adversarial
    void aSelectorRequirementWithoutOperatorOrWithMisplacedValuesIsInvalid() {
        connector("pay", Map.of("team", "pay"), "203.0.113.10");
        IPSet missing = set("missing");
        missing.getSpec().setAppConnectors(new LabelSelectorBuilder().addNewMatchExpression().withKey("team")
                .endMatchExpression().build());
        IPSet noValues = set("no-values");
        noValues.getSpec().setAppConnectors(new LabelSelectorBuilder().addNewMatchExpression().withKey("team")
                .withOperator("In").endMatchExpression().build());
        assertThat(resolve(missing)).isEqualTo(new IpSetResolution.Failed(Reason.INVALID_SELECTOR,
                "spec.appConnectors.matchExpressions[0].operator: missing: expected In, NotIn, Exists or"
                        + " DoesNotExist"));
        assertThat(resolve(noValues)).isEqualTo(new IpSetResolution.Failed(Reason.INVALID_SELECTOR,
                "spec.appConnectors.matchExpressions[0].values: empty: operator In needs at least one value"));
    }
}
