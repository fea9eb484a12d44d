package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.IPSet;
import dev.pinhole.api.ObjectReference;
import dev.pinhole.operator.TestObjects;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The operator, run as the packaged jar but authenticated as the chart's ServiceAccount (a TokenRequest token)
 * with exactly the Roles and bindings {@code helm template} renders, does everything it does for users: IPSets
 * with includes, excludes and an AppConnector selector, an AppConnector with clients and IPSet routes, an operator
 * restart that keeps the key Secret, a scale down that deletes the PDB, an IPSet change that reaches the connector
 * config, deletion; and, with {@code leaderElection.enabled}, taking and renewing its Lease. The API server must never
 * have refused it anything: no 403 in the API server's audit log for that ServiceAccount (the local cluster of
 * {@code test/cluster/up.sh} keeps one), and no "Forbidden" in the operator's log (debug level, so even the event
 * writes the operator deliberately tolerates failing show up).
 */
@Tag("e2e")
class ChartRbacE2ETest {
    private static final Duration WAIT = E2ECluster.WAIT;
    private static KubernetesClient client;
    private static Optional<AuditLog> audit = Optional.empty();
    private static Optional<LocalCluster> local = Optional.empty();
    /** In-cluster (Kind): the image the chart's Deployment runs; null: the operator is a local process. */
    private static String image;
    /** In-cluster: scales the chart's own operator back up. */
    private static Runnable pausedOperator;
    private static final List<String> namespaces = new ArrayList<>();
    /** EventRecorder logs a refused event write at debug level only. */
    private static final String DEBUG_PINHOLE = "QUARKUS_LOG_CATEGORY__DEV_PINHOLE__LEVEL";

    @BeforeAll
    static void connect() throws Exception {
        client = E2ECluster.connect(ChartRbacE2ETest.class);
        E2ECluster.installCrds(client);
        local = LocalCluster.of(client);
        Optional<HarnessCommand> auditCommand = HarnessCommand.fromEnv("PINHOLE_E2E_AUDIT_LOG_COMMAND");
        audit = auditCommand.isPresent() ? auditCommand.map(AuditLog::new) : local.flatMap(LocalCluster::auditLog);
        if (OperatorUnderTest.inCluster()) {
            image = System.getenv("PINHOLE_E2E_IMAGE");
            if (image == null || image.isBlank()) {
                throw new IllegalStateException("PINHOLE_E2E_OPERATOR=in-cluster needs PINHOLE_E2E_IMAGE, the"
                        + " operator image the cluster can run (test/kind/run.sh sets it)");
            }
            // The chart's own operator watches every namespace: it would reconcile the test's objects too.
            pausedOperator = InClusterOperator.pause(client);
        }
        if (audit.isEmpty()) {
            String why = local.isPresent() ? "the local cluster in " + local.get().dir()
                    + " has no logs/audit.log (started by an older up.sh?)" : LocalCluster.whyNotLocal();
            if (local.isPresent() && "1".equals(System.getenv("PINHOLE_REQUIRE_CLUSTER"))) {
                throw new IllegalStateException(why + "; restart it with test/cluster/up.sh");
            }
            System.err.println("NOTE ChartRbacE2ETest: " + why + "; refused calls are found in the operator's log only");
        }
    }

    @AfterAll
    static void cleanUp() {
        if (client != null) {
            namespaces.forEach(ns -> client.namespaces().withName(ns).delete());
            if (pausedOperator != null) {
                pausedOperator.run();
            }
            client.close();
        }
    }

    @Test
    void theOperatorNeedsNothingBeyondTheChartsClusterWideRbac() throws Exception {
        String ns = namespace("rbac");
        try (ChartRbac rbac = chartRbac(List.of(), false).install();
             OperatorUnderTest operator = operatorAs(rbac, "JOSDK_ALL_NAMESPACES", Map.of())) {
            exerciseEveryPath(ns, operator);
            assertNothingWasRefused(rbac, operator);
        }
    }

    @Test
    void theOperatorNeedsNothingBeyondTheChartsNamespacedRbac() throws Exception {
        String ns = namespace("rbac");
        try (ChartRbac rbac = chartRbac(List.of(ns), false).install();
             OperatorUnderTest operator = operatorAs(rbac, ns, Map.of())) {
            exerciseEveryPath(ns, operator);
            assertNothingWasRefused(rbac, operator);
        }
    }

    /**
     * Leader election with only the chart's Lease Role: JOSDK checks the Role grants get, create and update before it
     * starts (a SelfSubjectRulesReview), Fabric8 takes the Lease with create and renews it with a JSON merge patch.
     * A renewal RBAC refuses loses the lead within the renew deadline and JOSDK exits, so renewals are waited for.
     */
    @Test
    void leaderElectionNeedsNothingBeyondTheChartsLeaseRole() throws Exception {
        String ns = namespace("rbac");
        try (ChartRbac rbac = chartRbac(List.of(ns), true).install();
             OperatorUnderTest operator = operatorAs(rbac, ns, Map.of(
                     // What the chart's Deployment sets with leaderElection.enabled (POD_NAMESPACE: downward API).
                     "PINHOLE_LEADER_ELECTION_ENABLED", "true",
                     "POD_NAMESPACE", rbac.releaseNamespace()))) {
            Lease taken = await().atMost(WAIT).alias("the operator's Lease with a holder").until(() -> lease(rbac),
                    l -> l != null && l.getSpec().getHolderIdentity() != null && l.getSpec().getRenewTime() != null);
            await().atMost(WAIT).alias("the Lease renewed").until(() -> lease(rbac),
                    l -> !taken.getSpec().getRenewTime().equals(l.getSpec().getRenewTime()));
            client.resource(TestObjects.connector(ns, "edge")).create();
            awaitConnector(ns, "edge", c -> condition(c, "Ready", "True"));

            assertThat(operator.isAlive()).as("the operator still runs (it exits when it loses the lead)").isTrue();
            assertThat(lease(rbac).getSpec().getHolderIdentity()).isEqualTo(taken.getSpec().getHolderIdentity());
            assertNothingWasRefused(rbac, operator);
        }
    }

    /** The check above can fail: without "create events" the operator still works, but the refusal is seen. */
    @Test
    void aVerbMissingFromTheRoleIsReported() throws Exception {
        String ns = namespace("rbac");
        try (ChartRbac rbac = chartRbac(List.of(ns), false).withoutVerb("", "events", "create").install();
             OperatorUnderTest operator = operatorAs(rbac, ns, Map.of())) {
            client.resource(TestObjects.connector(ns, "edge")).create();  // its first reconcile records KeyGenerated
            await().atMost(WAIT).alias("a refused call in the operator's log")
                    .until(() -> !ForbiddenLogLines.of(operator.logLines()).isEmpty());
            assertThat(ForbiddenLogLines.of(operator.logLines())).anySatisfy(l -> assertThat(l).contains("events"));
            if (audit.isPresent()) {
                List<AuditLog.Request> refused = await().atMost(WAIT).alias("a 403 in the audit log")
                        .until(() -> audit.get().forbiddenFor(rbac.username()), l -> !l.isEmpty());
                assertThat(refused).extracting(AuditLog.Request::describe)
                        .contains("create core/events in " + ns + " -> 403");
            }
        }
    }

    /**
     * The rule kept for OwnerReferencesPermissionEnforcement (on in test/cluster/up.sh's API server, as in OpenShift)
     * is needed: without "update appconnectors/finalizers" no child with its blockOwnerDeletion owner reference is
     * admitted. Where the plugin is off (upstream's default) the rule is not needed and this is skipped.
     */
    @Test
    void ownerReferencesNeedTheFinalizersRuleWhereThePluginEnforcesThem() throws Exception {
        String plugin = "OwnerReferencesPermissionEnforcement";
        if (local.isEmpty() || !local.get().admissionPluginEnabled(plugin)) {
            String why = local.isPresent() ? "the local cluster in " + local.get().dir() + " runs without " + plugin
                    + " (started by an older up.sh?)" : LocalCluster.whyNotLocal();
            if (local.isPresent() && "1".equals(System.getenv("PINHOLE_REQUIRE_CLUSTER"))) {
                throw new IllegalStateException(why + "; restart it with test/cluster/up.sh");
            }
            System.err.println("SKIPPED ChartRbacE2ETest#ownerReferences...: " + why);
            Assumptions.abort(why);
        }
        String ns = namespace("rbac");
        try (ChartRbac rbac = chartRbac(List.of(ns), false)
                .withoutVerb("pinhole.dev", "appconnectors/finalizers", "update").install();
             OperatorUnderTest operator = operatorAs(rbac, ns, Map.of())) {
            client.resource(TestObjects.connector(ns, "edge")).create();
            await().atMost(WAIT).alias("an owner reference refused in the operator's log")
                    .until(() -> !ForbiddenLogLines.of(operator.logLines()).isEmpty());
            assertThat(ForbiddenLogLines.of(operator.logLines()))
                    .anySatisfy(l -> assertThat(l).contains("cannot set blockOwnerDeletion"));
            assertThat(client.secrets().inNamespace(ns).withName("edge-key").get()).isNull();
        }
    }

    private static String namespace(String prefix) {
        String ns = E2ECluster.createNamespace(client, prefix);
        namespaces.add(ns);
        return ns;
    }

    /** The chart's RBAC with the ServiceAccount in a namespace of its own, as the operator's would be. */
    private static ChartRbac chartRbac(List<String> watchNamespaces, boolean leaderElection) throws Exception {
        String release = namespace("rbac-sys");
        ChartRbac rbac = ChartRbac.render(client, "pinhole-e2e-" + UUID.randomUUID().toString().substring(0, 8),
                release, watchNamespaces, leaderElection, image);
        rbac.deployment().ifPresent(d -> d.getSpec().getTemplate().getSpec().getContainers().forEach(c -> c.setEnv(
                InClusterOperator.withOverrides(c.getEnv(), Map.of(DEBUG_PINHOLE, "DEBUG")))));
        return rbac;
    }

    /**
     * The operator authenticated as the chart's ServiceAccount: a local process with a TokenRequest token, or
     * in-cluster the chart's own Deployment (rendered with the RBAC, created after it), whose pod mounts the
     * ServiceAccount's token. {@code watchNamespaces} must be what the chart renders for the RBAC's namespaces;
     * {@code localEnv} is for the local process only (the chart's Deployment already sets what the values ask).
     */
    private static OperatorUnderTest operatorAs(ChartRbac rbac, String watchNamespaces, Map<String, String> localEnv)
            throws Exception {
        if (rbac.deployment().isPresent()) {
            String rendered = rbac.deployment().get().getSpec().getTemplate().getSpec().getContainers().stream()
                    .flatMap(c -> c.getEnv().stream()).filter(e -> "QUARKUS_OPERATOR_SDK_NAMESPACES"
                            .equals(e.getName())).findFirst().orElseThrow().getValue();
            assertThat(rendered).as("namespaces the chart's Deployment watches").isEqualTo(watchNamespaces);
            return InClusterOperator.attach(client, rbac.releaseNamespace(), rbac.deployment().get().getMetadata()
                    .getName(), Map.of());
        }
        Path kubeconfig = ServiceAccountKubeconfig.write(client, rbac.releaseNamespace(), rbac.serviceAccount());
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "KUBECONFIG", kubeconfig.toString(),
                "QUARKUS_OPERATOR_SDK_NAMESPACES", watchNamespaces,
                DEBUG_PINHOLE, "DEBUG"));
        env.putAll(localEnv);
        return OperatorProcess.start(env);
    }

    private static Lease lease(ChartRbac rbac) {
        return client.leases().inNamespace(rbac.releaseNamespace()).withName("pinhole-operator").get();
    }

    private static void exerciseEveryPath(String ns, OperatorUnderTest operator) throws Exception {
        client.resource(TestObjects.ipSet(ns, "leaf", List.of("192.0.2.1", "192.0.2.2"))).create();
        IPSet top = TestObjects.ipSet(ns, "top", List.of("198.51.100.0/30"), "leaf");
        top.getSpec().setExclude(new ArrayList<>(List.of("192.0.2.2")));
        client.resource(top).create();
        IPSet egress = TestObjects.ipSet(ns, "egress", List.of());
        egress.getSpec().setAppConnectors(new LabelSelectorBuilder().addToMatchLabels("team", "rbac").build());
        client.resource(egress).create();
        AppConnector edge = TestObjects.connector(ns, "edge");
        edge.getMetadata().setLabels(Map.of("team", "rbac"));
        edge.getSpec().getClients().add(new dev.pinhole.api.AppConnectorSpec.Client("laptop-2", TestObjects.KEY_2,
                "100.96.0.3/32"));
        edge.getSpec().getRoutes().setIpSets(List.of(new ObjectReference("top")));
        client.resource(edge).create();

        assertThat(awaitIpSet(ns, "top").getStatus().getCidrs()).containsExactly("192.0.2.1/32", "198.51.100.0/30");
        assertThat(awaitIpSet(ns, "egress").getStatus().getCidrs()).containsExactly("203.0.113.10/32");
        awaitConnector(ns, "edge", c -> condition(c, "Ready", "True")
                && Integer.valueOf(2).equals(c.getStatus().getReadyReplicas()));
        assertThat(client.apps().deployments().inNamespace(ns).withName("edge").get()).isNotNull();
        assertThat(client.services().inNamespace(ns).withName("edge").get()).isNotNull();
        assertThat(client.secrets().inNamespace(ns).withName("edge-key").get()).isNotNull();
        assertThat(client.network().v1().networkPolicies().inNamespace(ns).withName("edge").get()).isNotNull();
        assertThat(client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("edge").get()).isNotNull();
        assertThat(configFile(ns)).contains("198.51.100.0/30").contains("192.0.2.1/32");
        ConfigMap clients = client.configMaps().inNamespace(ns).withName("edge-clients").get();
        assertThat(clients.getData()).containsOnlyKeys("laptop-1.conf", "laptop-2.conf");
        String keyUid = client.secrets().inNamespace(ns).withName("edge-key").get().getMetadata().getUid();

        // The restarted operator lists and watches afresh and must reuse the key Secret, not write a new one.
        operator.restart(client);

        // Scale to one (the operator deletes the PDB) and change an included IPSet (re-resolved into the config).
        client.resources(AppConnector.class).inNamespace(ns).withName("edge").edit(c -> {
            c.getSpec().setReplicas(1);
            return c;
        });
        client.resources(IPSet.class).inNamespace(ns).withName("leaf").edit(s -> {
            s.getSpec().getAddresses().add("192.0.2.3");
            return s;
        });
        await().atMost(WAIT).alias("PDB deleted, new route in the config").until(() ->
                client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("edge").get() == null
                        && configFile(ns).contains("192.0.2.3/32"));
        awaitConnector(ns, "edge", c -> condition(c, "Ready", "True")
                && c.getMetadata().getGeneration().equals(c.getStatus().getObservedGeneration())
                && Integer.valueOf(1).equals(c.getStatus().getReadyReplicas()));
        assertThat(client.secrets().inNamespace(ns).withName("edge-key").get().getMetadata().getUid())
                .as("the key Secret survived the operator restart").isEqualTo(keyUid);

        client.resources(AppConnector.class).inNamespace(ns).withName("edge").delete();
        client.resources(IPSet.class).inNamespace(ns).withName("top").delete();
        await().atMost(WAIT).alias("children garbage-collected, IPSet gone").until(() ->
                client.apps().deployments().inNamespace(ns).withName("edge").get() == null
                        && client.secrets().inNamespace(ns).withName("edge-key").get() == null
                        && client.configMaps().inNamespace(ns).withName("edge-config").get() == null
                        && client.services().inNamespace(ns).withName("edge").get() == null
                        && client.resources(IPSet.class).inNamespace(ns).withName("top").get() == null);
    }

    private static void assertNothingWasRefused(ChartRbac rbac, OperatorUnderTest operator) {
        assertThat(ForbiddenLogLines.of(operator.logLines()))
                .as("refused calls in the operator's log (" + operator.logLocation() + ")").isEmpty();
        if (audit.isEmpty()) {
            return;
        }
        List<AuditLog.Request> requests = audit.get().requestsBy(rbac.username());
        // Proves the operator really ran as the ServiceAccount and the audit log records it.
        assertThat(requests).as("audited requests of " + rbac.username()).isNotEmpty();
        assertThat(requests).filteredOn(AuditLog.Request::forbidden).extracting(AuditLog.Request::describe)
                .as("requests of " + rbac.username() + " the API server refused").isEmpty();
        System.out.println(rbac.username() + ": " + requests.size() + " audited requests, none refused; used "
                + new TreeSet<>(requests.stream().map(r -> r.verb() + " " + (r.apiGroup().isEmpty() ? "core"
                : r.apiGroup()) + "/" + r.resource() + (r.subresource().isEmpty() ? "" : "/" + r.subresource()))
                .toList()));
    }

    private static String configFile(String ns) {
        ConfigMap config = client.configMaps().inNamespace(ns).withName("edge-config").get();
        return config == null ? "" : config.getData().get("connector.json");
    }

    private static IPSet awaitIpSet(String ns, String name) {
        return await().atMost(WAIT).alias("IPSet " + name + " Ready").until(() -> client.resources(IPSet.class)
                .inNamespace(ns).withName(name).get(), s -> s != null && s.getStatus() != null
                && s.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())));
    }

    private static AppConnector awaitConnector(String ns, String name, Predicate<AppConnector> until) {
        return await().atMost(WAIT).alias("AppConnector " + name).until(() -> client.resources(AppConnector.class)
                .inNamespace(ns).withName(name).get(), c -> c != null && c.getStatus() != null && until.test(c));
    }

    private static boolean condition(AppConnector c, String type, String status) {
        return c.getStatus().getConditions().stream().anyMatch(x -> type.equals(x.getType())
                && status.equals(x.getStatus()));
    }
}
