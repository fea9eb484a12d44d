package dev.pinhole.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Helm chart lints, renders least-privilege RBAC and a restricted operator, and ships the generated CRDs. */
class HelmChartTest {

    private static final String OPERATOR = "pinhole-operator";
    private static final String NODES_ROLE = "pinhole-operator-nodes";

    @Test
    void chartLintsWithDefaultAndNarrowedValues() {
        CommandResult defaults = Helm.run(List.of("lint", "--strict", RepoLayout.CHART.toString()));
        assertThat(defaults.succeeded()).as(defaults.describe()).isTrue();

        CommandResult narrowed = Helm.run(List.of("lint", "--strict", RepoLayout.CHART.toString(),
                "--set", "watchNamespaces={team-a,team-b}", "--set", "leaderElection.enabled=true",
                "--set", "replicaCount=2", "--set", "metrics.serviceMonitor.enabled=true"));
        assertThat(narrowed.succeeded()).as(narrowed.describe()).isTrue();
    }

    @Test
    void watchingAllNamespacesGrantsExactlyTheListedRulesClusterWide() {
        Manifests rendered = Helm.template();

        assertThat(rendered.ofKind("Role")).isEmpty();
        assertThat(Permission.ofRole(rendered.get("ClusterRole", null, OPERATOR)))
                .containsExactlyInAnyOrderElementsOf(OperatorRbac.NAMESPACED);
        assertThat(Permission.ofRole(rendered.get("ClusterRole", null, NODES_ROLE)))
                .containsExactlyInAnyOrderElementsOf(OperatorRbac.CLUSTER);
        assertThat(Permission.ofRoles(rendered.ofKind("ClusterRole")))
                .containsExactlyInAnyOrderElementsOf(OperatorRbac.union(OperatorRbac.NAMESPACED, OperatorRbac.CLUSTER));
        assertThat(env(rendered, "QUARKUS_OPERATOR_SDK_NAMESPACES")).isEqualTo("JOSDK_ALL_NAMESPACES");
    }

    @Test
    void watchingSomeNamespacesGrantsTheRulesOnlyThere() {
        Manifests rendered = Helm.template("--set", "watchNamespaces={team-a,team-b}");

        List<JsonNode> roles = rendered.ofKind("Role").stream()
                .filter(r -> !Helm.NAMESPACE.equals(r.path("metadata").path("namespace").asText())).toList();
        assertThat(roles).extracting(r -> r.path("metadata").path("namespace").asText())
                .containsExactlyInAnyOrder("team-a", "team-b");
        // The operator's own namespace, not watched: only the feed cache key Secret's rights.
        assertThat(Permission.ofRole(rendered.get("Role", Helm.NAMESPACE, OPERATOR + "-feed-cache-key")))
                .containsExactlyInAnyOrderElementsOf(OperatorRbac.FEED_CACHE_KEY);
        assertThat(rendered.ofKind("Role")).hasSize(3);
        for (JsonNode role : roles) {
            assertThat(Permission.ofRole(role)).as(Manifests.identity(role))
                    .containsExactlyInAnyOrderElementsOf(OperatorRbac.NAMESPACED);
        }
        // Nothing namespaced leaks cluster-wide: the only ClusterRole left is the node reader.
        assertThat(rendered.ofKind("ClusterRole")).extracting(Manifests::identity)
                .containsExactly("ClusterRole " + NODES_ROLE);
        assertThat(Permission.ofRoles(rendered.ofKind("ClusterRole")))
                .containsExactlyInAnyOrderElementsOf(OperatorRbac.CLUSTER);
        assertThat(env(rendered, "QUARKUS_OPERATOR_SDK_NAMESPACES")).isEqualTo("team-a,team-b");
    }

    @Test
    void leaderElectionAddsLeaseRightsInTheOperatorNamespaceOnly() {
        Manifests without = Helm.template();
        assertThat(allGrants(without)).doesNotContainAnyElementsOf(OperatorRbac.LEADER_ELECTION);
        assertThat(env(without, "PINHOLE_LEADER_ELECTION_ENABLED")).isEqualTo("false");

        Manifests with = Helm.template("--set", "leaderElection.enabled=true", "--set", "replicaCount=2");
        JsonNode leases = with.get("Role", Helm.NAMESPACE, "pinhole-operator-leader-election");
        assertThat(Permission.ofRole(leases)).containsExactlyInAnyOrderElementsOf(OperatorRbac.LEADER_ELECTION);
        assertThat(allGrants(with)).containsExactlyInAnyOrderElementsOf(OperatorRbac.union(
                OperatorRbac.NAMESPACED, OperatorRbac.CLUSTER, OperatorRbac.LEADER_ELECTION));
        assertThat(env(with, "PINHOLE_LEADER_ELECTION_ENABLED")).isEqualTo("true");
        assertThat(operator(with).path("spec").path("replicas").asInt()).isEqualTo(2);
    }

    @Test
    void moreThanOneReplicaWithoutLeaderElectionIsRefused() {
        CommandResult result = Helm.tryTemplate("--set", "replicaCount=2");

        assertThat(result.succeeded()).as(result.describe()).isFalse();
        assertThat(result.stderr()).contains("leaderElection.enabled");
    }

    @Test
    void everyBindingGivesARenderedRoleToTheOperatorServiceAccount() {
        for (String[] values : List.of(new String[0],
                new String[] {"--set", "watchNamespaces={team-a}", "--set", "leaderElection.enabled=true"})) {
            Manifests rendered = Helm.template(values);
            rendered.get("ServiceAccount", Helm.NAMESPACE, OPERATOR);
            List<JsonNode> bindings = new ArrayList<>(rendered.ofKind("ClusterRoleBinding"));
            bindings.addAll(rendered.ofKind("RoleBinding"));
            int roles = rendered.ofKind("ClusterRole").size() + rendered.ofKind("Role").size();

            assertThat(bindings).hasSize(roles);
            for (JsonNode binding : bindings) {
                JsonNode ref = binding.path("roleRef");
                String namespace = "Role".equals(ref.path("kind").asText())
                        ? binding.path("metadata").path("namespace").asText()
                        : null;
                rendered.get(ref.path("kind").asText(), namespace, ref.path("name").asText());
                assertThat(binding.path("subjects")).as(Manifests.identity(binding)).hasSize(1);
                JsonNode subject = binding.path("subjects").get(0);
                assertThat(subject.path("kind").asText()).isEqualTo("ServiceAccount");
                assertThat(subject.path("name").asText()).isEqualTo(OPERATOR);
                assertThat(subject.path("namespace").asText()).isEqualTo(Helm.NAMESPACE);
            }
        }
    }

    @Test
    void noRuleUsesWildcards() {
        Manifests rendered = Helm.template("--set", "leaderElection.enabled=true", "--set", "replicaCount=2");

        assertThat(allGrants(rendered)).noneMatch(Permission::usesWildcard);
    }

    @Test
    void renderedObjectsUseOnlyFieldsKubernetesDefines() {
        assertThat(KnownFields.unknownFields(Helm.template())).isEmpty();
        assertThat(KnownFields.unknownFields(Helm.template("--set", "watchNamespaces={team-a}",
                "--set", "leaderElection.enabled=true", "--set", "nodeSelector.pool=system",
                "--set", "tolerations[0].key=dedicated", "--set", "tolerations[0].operator=Exists",
                "--set", "imagePullSecrets={regcred}", "--set", "podAnnotations.a=b"))).isEmpty();
    }

    @Test
    void operatorPodMeetsTheRestrictedPodSecurityStandard() {
        assertRestricted(operator(Helm.template()));
    }

    @Test
    void operatorServesHealthAndMetricsOnItsHttpPort() {
        Manifests rendered = Helm.template();
        JsonNode container = container(rendered);

        assertThat(container.path("args")).extracting(JsonNode::asText).containsExactly("operator");
        assertThat(container.path("ports")).singleElement().satisfies(port -> {
            assertThat(port.path("name").asText()).isEqualTo("http");
            assertThat(port.path("containerPort").asInt()).isEqualTo(8080);
        });
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/live");
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText())
                .isEqualTo("/q/health/ready");
        JsonNode service = rendered.get("Service", Helm.NAMESPACE, OPERATOR);
        assertThat(service.path("spec").path("selector"))
                .isEqualTo(operator(rendered).path("spec").path("selector").path("matchLabels"));
        assertThat(service.path("spec").path("ports").get(0).path("targetPort").asText()).isEqualTo("http");
    }

    @Test
    void imageDefaultsToTheAppVersionAndConnectorsUseTheSameImage() throws IOException {
        String appVersion = Manifests.YAML.readTree(RepoLayout.CHART.resolve("Chart.yaml").toFile())
                .path("appVersion").asText();
        Manifests rendered = Helm.template();

        String image = container(rendered).path("image").asText();
        assertThat(image).isEqualTo("ghcr.io/pinhole-dev/pinhole:" + appVersion);
        assertThat(env(rendered, "PINHOLE_CONNECTOR_IMAGE")).isEqualTo(image);
        assertThat(env(rendered, "QUARKUS_LOG_LEVEL")).isEqualTo("INFO");
    }

    @Test
    void prometheusNamespacesReachTheOperatorAsTheConnectorsHttpSources() {
        Manifests rendered = Helm.template("--set", "metrics.connectorScrapeNamespaces={monitoring,observability}");

        assertThat(env(rendered, "PINHOLE_CONNECTOR_METRICS_NAMESPACES")).isEqualTo("monitoring,observability");
    }

    @Test
    void aNamespaceNameThatCannotExistIsRefused() {
        CommandResult result = Helm.tryTemplate("--set", "metrics.connectorScrapeNamespaces={Monitoring}");

        assertThat(result.succeeded()).as(result.describe()).isFalse();
        assertThat(result.stderr()).contains("connectorScrapeNamespaces");
    }

    @Test
    void imageTagConnectorImageAndLogLevelAreConfigurable() {
        Manifests rendered = Helm.template("--set", "image.tag=1.2.3", "--set", "logLevel=DEBUG",
                "--set", "connectorImage=registry.example/pinhole-connector:9");

        assertThat(container(rendered).path("image").asText()).isEqualTo("ghcr.io/pinhole-dev/pinhole:1.2.3");
        assertThat(env(rendered, "PINHOLE_CONNECTOR_IMAGE")).isEqualTo("registry.example/pinhole-connector:9");
        assertThat(env(rendered, "QUARKUS_LOG_LEVEL")).isEqualTo("DEBUG");
    }

    @Test
    void serviceMonitorIsRenderedOnlyWhenEnabled() {
        assertThat(Helm.template().ofKind("ServiceMonitor")).isEmpty();

        Manifests rendered = Helm.template("--set", "metrics.serviceMonitor.enabled=true",
                "--set", "metrics.serviceMonitor.labels.release=prometheus");
        JsonNode monitor = rendered.get("ServiceMonitor", Helm.NAMESPACE, OPERATOR);
        JsonNode service = rendered.get("Service", Helm.NAMESPACE, OPERATOR);
        assertThat(monitor.path("metadata").path("labels").path("release").asText()).isEqualTo("prometheus");
        assertThat(monitor.path("spec").path("endpoints")).singleElement().satisfies(endpoint -> {
            assertThat(endpoint.path("port").asText()).isEqualTo("http");
            assertThat(endpoint.path("path").asText()).isEqualTo("/q/metrics");
        });
        // The Service carries its selector labels as its own labels, which is what the ServiceMonitor selects.
        JsonNode selected = monitor.path("spec").path("selector").path("matchLabels");
        assertThat(selected).isEqualTo(service.path("spec").path("selector"));
        selected.fields().forEachRemaining(label -> assertThat(
                service.path("metadata").path("labels").path(label.getKey())).isEqualTo(label.getValue()));
    }

    @Test
    void schedulingValuesReachTheOperatorPod() {
        Manifests rendered = Helm.template("--set", "nodeSelector.pool=system",
                "--set", "tolerations[0].key=dedicated", "--set", "tolerations[0].operator=Exists",
                "--set", "imagePullSecrets={regcred}");
        JsonNode pod = operator(rendered).path("spec").path("template").path("spec");

        assertThat(pod.path("nodeSelector").path("pool").asText()).isEqualTo("system");
        assertThat(pod.path("tolerations").get(0).path("key").asText()).isEqualTo("dedicated");
        assertThat(pod.path("imagePullSecrets").get(0).path("name").asText()).isEqualTo("regcred");
    }

    @Test
    void unknownValuesAreRejectedByTheSchema() {
        CommandResult typo = Helm.tryTemplate("--set", "watchNamespace=team-a");
        CommandResult badLevel = Helm.tryTemplate("--set", "logLevel=LOUD");

        assertThat(typo.succeeded()).as(typo.describe()).isFalse();
        assertThat(typo.stderr()).contains("watchNamespace");
        assertThat(badLevel.succeeded()).as(badLevel.describe()).isFalse();
    }

    @Test
    void chartCrdsAreByteForByteTheGeneratedCrds() throws IOException {
        assumeTrue(Files.isDirectory(RepoLayout.CRDS), "crds/ is not generated yet");
        Map<String, byte[]> generated = yamlFiles(RepoLayout.CRDS);
        assumeTrue(!generated.isEmpty(), "crds/ holds no CRD yet");
        Map<String, byte[]> shipped = Files.isDirectory(RepoLayout.CHART_CRDS)
                ? yamlFiles(RepoLayout.CHART_CRDS)
                : Map.of();

        assertThat(shipped.keySet()).as("helm/pinhole/crds/ file names; run hack/sync-crds.sh")
                .containsExactlyInAnyOrderElementsOf(generated.keySet());
        for (Map.Entry<String, byte[]> crd : generated.entrySet()) {
            if (!java.util.Arrays.equals(crd.getValue(), shipped.get(crd.getKey()))) {
                fail("helm/pinhole/crds/" + crd.getKey() + " differs from crds/" + crd.getKey()
                        + ": run hack/sync-crds.sh");
            }
        }
    }

    @Test
    void chartInstallsBothPinholeCrds() throws IOException {
        assumeTrue(Files.isDirectory(RepoLayout.CRDS) && !yamlFiles(RepoLayout.CRDS).isEmpty(),
                "crds/ is not generated yet");
        Manifests rendered = Helm.template("--include-crds");

        assertThat(rendered.ofKind("CustomResourceDefinition"))
                .as("CRDs rendered from helm/pinhole/crds/; run hack/sync-crds.sh")
                .extracting(crd -> crd.path("metadata").path("name").asText())
                .containsExactlyInAnyOrder("appconnectors.pinhole.dev", "clients.pinhole.dev", "ipsets.pinhole.dev");
    }

    @Test
    void chartRequiresAKubernetesThatKnowsTheCrdsCelFunctions() throws IOException {
        assumeTrue(Files.isDirectory(RepoLayout.CRDS), "crds/ is not generated yet");
        String kubeVersion = Manifests.YAML.readTree(RepoLayout.CHART.resolve("Chart.yaml").toFile())
                .path("kubeVersion").asText();
        Matcher minimum = Pattern.compile("^>=\\s*1\\.(\\d+)\\.").matcher(kubeVersion);
        assertThat(minimum.find()).as("Chart.yaml kubeVersion '%s' is >=1.N.x", kubeVersion).isTrue();

        String crds = String.join("\n", yamlFiles(RepoLayout.CRDS).values().stream().map(String::new).toList());
        // The Kubernetes CEL IP/CIDR library arrived in 1.30; CRD validation may use it from 1.31.
        if (Pattern.compile("\\b(isIP|isCIDR|cidr|ip)\\(").matcher(crds).find()) {
            assertThat(Integer.parseInt(minimum.group(1))).isGreaterThanOrEqualTo(31);
        }
        CommandResult tooOld = Helm.run(List.of("template", Helm.RELEASE, RepoLayout.CHART.toString(),
                "--kube-version", "1." + (Integer.parseInt(minimum.group(1)) - 1) + ".0"));
        assertThat(tooOld.succeeded()).as("helm refuses an older cluster").isFalse();
    }

    @Test
    void docsRbacTableListsExactlyTheGrantedRules() throws IOException {
        String docs = Files.readString(RepoLayout.ROOT.resolve("docs/packaging.md"));
        int start = docs.indexOf("<!-- rbac-table -->");
        int end = docs.indexOf("<!-- /rbac-table -->");
        assertThat(start).as("docs/packaging.md has <!-- rbac-table --> markers").isNotNegative();
        assertThat(end).isGreaterThan(start);

        Set<Permission> documented = new java.util.LinkedHashSet<>();
        Pattern code = Pattern.compile("`([^`]*)`");
        for (String line : docs.substring(start, end).split("\n")) {
            if (!line.startsWith("| `")) {
                continue;
            }
            String[] cells = line.split("\\|");
            Matcher group = code.matcher(cells[1]);
            assertThat(group.find()).as(line).isTrue();
            String apiGroup = group.group(1).equals("\"\"") ? "" : group.group(1);
            List<String> resources = code.matcher(cells[2]).results().map(m -> m.group(1)).toList();
            List<String> verbs = Stream.of(cells[3].split(",")).map(String::strip).toList();
            documented.addAll(Permission.grant(apiGroup, resources, verbs));
        }
        assertThat(documented).containsExactlyInAnyOrderElementsOf(OperatorRbac.union(
                OperatorRbac.NAMESPACED, OperatorRbac.CLUSTER, OperatorRbac.LEADER_ELECTION));
    }

    @Test
    void notesNameTheWatchedNamespacesAndTheMetricsUrl(@TempDir Path tmp) throws IOException {
        assertThat(renderNotes(tmp, "--set", "watchNamespaces={team-a,team-b}"))
                .contains("Watching: team-a, team-b",
                        "http://pinhole-operator.pinhole-system.svc:8080/q/metrics",
                        "kubectl apply --server-side -f helm/pinhole/crds/")
                .doesNotContain("<no value>");
        assertThat(renderNotes(tmp)).contains("Watching: all namespaces", "set watchNamespaces");
    }

    /** helm template never prints NOTES.txt, so render it through tpl in a scratch copy of the chart. */
    private static String renderNotes(Path tmp, String... values) throws IOException {
        Path chart = tmp.resolve("chart-" + System.nanoTime());
        try (Stream<Path> files = Files.walk(RepoLayout.CHART)) {
            for (Path source : files.toList()) {
                Path target = chart.resolve(RepoLayout.CHART.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        Files.move(chart.resolve("templates/NOTES.txt"), chart.resolve("notes-source.txt"));
        Files.writeString(chart.resolve("templates/notes-check.yaml"),
                "notes: |\n{{ tpl (.Files.Get \"notes-source.txt\") . | indent 2 }}\n");
        List<String> args = new ArrayList<>(List.of("template", Helm.RELEASE, chart.toString(),
                "--namespace", Helm.NAMESPACE, "--kube-version", Helm.KUBE_VERSION, "--show-only", "templates/notes-check.yaml"));
        args.addAll(List.of(values));
        CommandResult result = Helm.run(args);
        assertThat(result.succeeded()).as(result.describe()).isTrue();
        return Manifests.parse(result.stdout()).objects().get(0).path("notes").asText();
    }

    /** The checks of the "restricted" Pod Security Standard that a Deployment's template can fail. */
    static void assertRestricted(JsonNode deployment) {
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        String id = Manifests.identity(deployment);
        assertThat(pod.path("hostNetwork").asBoolean(false)).as(id).isFalse();
        assertThat(pod.path("hostPID").asBoolean(false)).as(id).isFalse();
        assertThat(pod.path("hostIPC").asBoolean(false)).as(id).isFalse();
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).as(id).isTrue();
        assertThat(pod.path("securityContext").path("runAsUser").asInt()).as(id).isPositive();
        assertThat(pod.path("securityContext").path("seccompProfile").path("type").asText())
                .as(id).isEqualTo("RuntimeDefault");
        for (JsonNode volume : pod.path("volumes")) {
            assertThat(volume.has("hostPath")).as(id + " volume " + volume.path("name")).isFalse();
        }
        JsonNode containers = pod.path("containers");
        assertThat(containers).as(id).isNotEmpty();
        assertThat(pod.has("initContainers")).as(id).isFalse();
        for (JsonNode container : containers) {
            JsonNode security = container.path("securityContext");
            assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).as(id).isFalse();
            assertThat(security.path("privileged").asBoolean(false)).as(id).isFalse();
            assertThat(security.path("readOnlyRootFilesystem").asBoolean()).as(id).isTrue();
            assertThat(security.path("capabilities").path("drop")).extracting(JsonNode::asText)
                    .as(id).containsExactly("ALL");
            assertThat(security.path("capabilities").has("add")).as(id).isFalse();
            assertThat(container.path("ports")).noneMatch(p -> p.has("hostPort"));
            // A read-only root needs a writable /tmp for the JVM; it must be an emptyDir, not the image.
            String tmpVolume = StreamSupport.stream(container.path("volumeMounts").spliterator(), false)
                    .filter(m -> "/tmp".equals(m.path("mountPath").asText()))
                    .map(m -> m.path("name").asText()).findFirst()
                    .orElseThrow(() -> new AssertionError(id + " mounts no volume at /tmp"));
            assertThat(StreamSupport.stream(pod.path("volumes").spliterator(), false)
                    .filter(v -> tmpVolume.equals(v.path("name").asText())))
                    .singleElement().satisfies(v -> assertThat(v.has("emptyDir")).isTrue());
        }
    }

    private static Set<Permission> allGrants(Manifests rendered) {
        List<JsonNode> roles = new ArrayList<>(rendered.ofKind("ClusterRole"));
        roles.addAll(rendered.ofKind("Role"));
        return Permission.ofRoles(roles);
    }

    private static JsonNode operator(Manifests rendered) {
        return rendered.get("Deployment", Helm.NAMESPACE, OPERATOR);
    }

    private static JsonNode container(Manifests rendered) {
        JsonNode containers = operator(rendered).path("spec").path("template").path("spec").path("containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static String env(Manifests rendered, String name) {
        for (JsonNode variable : container(rendered).path("env")) {
            if (name.equals(variable.path("name").asText())) {
                return variable.path("value").asText();
            }
        }
        throw new AssertionError("operator container has no env " + name);
    }

    private static Map<String, byte[]> yamlFiles(Path dir) throws IOException {
        Map<String, byte[]> files = new HashMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path file : list.filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml"))
                    .collect(Collectors.toCollection(TreeSet::new))) {
                files.put(file.getFileName().toString(), Files.readAllBytes(file));
            }
        }
        return files;
    }
}
