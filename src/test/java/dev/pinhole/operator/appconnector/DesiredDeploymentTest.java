package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.connector.ConnectorArgs;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DesiredDeploymentTest {
    private static final String IMAGE = "ghcr.io/pinhole-dev/pinhole:test";
    private static final String HASH = "0123456789abcdef";

    private final AppConnector c = TestConnectors.valid();

    private Deployment build() {
        return DesiredDeployment.build(c, IMAGE, HASH);
    }

    private PodSpec pod() {
        return build().getSpec().getTemplate().getSpec();
    }

    private Container container() {
        assertThat(pod().getContainers()).hasSize(1);
        return pod().getContainers().get(0);
    }

    private Volume volume(String name) {
        return pod().getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
    }

    private void natGatewayNodes(Map<String, String> nodeSelector) {
        AppConnectorSpec.NatGateway gw = new AppConnectorSpec.NatGateway();
        gw.setNodeSelector(nodeSelector);
        c.getSpec().getEgress().setNatGateway(gw);
    }

    @Test
    void namedAfterTheConnectorInItsNamespace() {
        Deployment d = build();

        assertThat(d.getMetadata().getName()).isEqualTo(TestConnectors.NAME);
        assertThat(d.getMetadata().getNamespace()).isEqualTo(TestConnectors.NAMESPACE);
    }

    @Test
    void selectorMatchesThePodTemplateLabels() {
        Deployment d = build();

        assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
        assertThat(d.getSpec().getSelector().getMatchLabels())
                .containsEntry(ConnectorNames.LABEL_CONNECTOR, TestConnectors.NAME);
    }

    @Test
    void podRunsAsNonRootWithRuntimeDefaultSeccomp() {
        var pod = pod().getSecurityContext();

        assertThat(pod.getRunAsNonRoot()).isTrue();
        assertThat(pod.getRunAsUser()).isNotNull().isNotZero();
        assertThat(pod.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    }

    @Test
    void containerIsRestricted() {
        var sc = container().getSecurityContext();

        assertThat(sc.getRunAsNonRoot()).isTrue();
        assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
        assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
        assertThat(sc.getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    }

    @Test
    void serviceAccountTokenIsNotMounted() {
        assertThat(pod().getAutomountServiceAccountToken()).isFalse();
    }

    @Test
    void natGatewayNodeSelectorBecomesRequiredNodeAffinity() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("pool", "nat-egress");
        labels.put("topology.kubernetes.io/zone", "eu-west-1a");
        natGatewayNodes(labels);

        List<NodeSelectorTerm> terms = pod().getAffinity().getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();

        assertThat(terms).hasSize(1);
        List<NodeSelectorRequirement> expressions = terms.get(0).getMatchExpressions();
        assertThat(expressions).hasSize(2).allSatisfy(e -> assertThat(e.getOperator()).isEqualTo("In"));
        assertThat(expressions).anySatisfy(e -> {
            assertThat(e.getKey()).isEqualTo("pool");
            assertThat(e.getValues()).containsExactly("nat-egress");
        });
        assertThat(expressions).anySatisfy(e -> {
            assertThat(e.getKey()).isEqualTo("topology.kubernetes.io/zone");
            assertThat(e.getValues()).containsExactly("eu-west-1a");
        });
    }

    @Test
    void nodeSelectorIsNotAlsoAPreferredAffinity() {
        natGatewayNodes(Map.of("pool", "nat-egress"));

        assertThat(pod().getAffinity().getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
                .isNullOrEmpty();
    }

    @Test
    void noNodeSelectorMeansNoNodeAffinity() {
        natGatewayNodes(Map.of());

        assertThat(pod().getAffinity()).isNull();
    }

    @Test
    void tolerationsAreCopied() {
        Toleration t = new TolerationBuilder().withKey("dedicated").withOperator("Equal").withValue("nat")
                .withEffect("NoSchedule").build();
        AppConnectorSpec.NatGateway gw = new AppConnectorSpec.NatGateway();
        gw.setTolerations(List.of(t));
        c.getSpec().getEgress().setNatGateway(gw);

        assertThat(pod().getTolerations()).containsExactly(t);
    }

    @Test
    void podsAreSpreadAcrossNodes() {
        List<TopologySpreadConstraint> spread = pod().getTopologySpreadConstraints();

        assertThat(spread).hasSize(1);
        assertThat(spread.get(0).getTopologyKey()).isEqualTo("kubernetes.io/hostname");
        assertThat(spread.get(0).getLabelSelector().getMatchLabels())
                .containsEntry(ConnectorNames.LABEL_CONNECTOR, TestConnectors.NAME);
    }

    @Test
    void readinessProbeIsReadyz() {
        var probe = container().getReadinessProbe().getHttpGet();

        assertThat(probe.getPath()).isEqualTo("/readyz");
        assertThat(probe.getPort().getStrVal()).isEqualTo(ConnectorNames.HTTP_PORT_NAME);
    }

    @Test
    void livenessAndStartupProbesAreHealthz() {
        assertThat(container().getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(container().getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    }

    @Test
    void configVolumeIsTheConnectorConfigMapAndItsOptionalShardsMountedReadOnly() {
        var sources = volume("config").getProjected().getSources();
        assertThat(sources.get(0).getConfigMap().getName()).isEqualTo(TestConnectors.NAME + "-config");
        assertThat(sources.get(0).getConfigMap().getOptional()).isNull();
        assertThat(sources.subList(1, sources.size())).hasSize(PeerShards.MAX_SHARDS)
                .allSatisfy(s -> assertThat(s.getConfigMap().getOptional()).isTrue());
        assertThat(sources.get(1).getConfigMap().getName()).isEqualTo(TestConnectors.NAME + "-peers-0");
        assertThat(container().getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("config");
            assertThat(m.getMountPath()).isEqualTo(ConnectorNames.CONFIG_DIR);
            assertThat(m.getReadOnly()).isTrue();
        });
    }

    @Test
    void eachConfigSourceProjectsOnlyItsOwnFileSoAPlantedShardCannotReplaceTheConnectorConfig() {
        // Someone who may create ConfigMaps in the namespace creates <name>-peers-15 with a connector.json key:
        // without items every key of every source lands in the directory and the later source wins.
        var sources = volume("config").getProjected().getSources();

        assertThat(sources.get(0).getConfigMap().getItems())
                .singleElement()
                .satisfies(item -> {
                    assertThat(item.getKey()).isEqualTo(ConnectorNames.CONFIG_FILE);
                    assertThat(item.getPath()).isEqualTo(ConnectorNames.CONFIG_FILE);
                });
        for (int i = 0; i < PeerShards.MAX_SHARDS; i++) {
            String own = PeerShards.fileName(i);
            assertThat(sources.get(i + 1).getConfigMap().getItems())
                    .singleElement()
                    .satisfies(item -> {
                        assertThat(item.getKey()).isEqualTo(own);
                        assertThat(item.getPath()).isEqualTo(own);
                    });
        }
    }

    @Test
    void keyVolumeIsTheKeySecretReadableOnlyByOwner() {
        var secret = volume("key").getSecret();

        assertThat(secret.getSecretName()).isEqualTo(TestConnectors.NAME + "-key");
        assertThat(secret.getDefaultMode()).isEqualTo(0400);
        assertThat(container().getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("key");
            assertThat(m.getMountPath()).isEqualTo(ConnectorNames.KEY_DIR);
            assertThat(m.getReadOnly()).isTrue();
        });
    }

    @Test
    void udpPortIsTheListenPort() {
        c.getSpec().getTunnel().setListenPort(41641);

        assertThat(container().getPorts()).anySatisfy(p -> {
            assertThat(p.getProtocol()).isEqualTo("UDP");
            assertThat(p.getContainerPort()).isEqualTo(41641);
            assertThat(p.getName()).isEqualTo(ConnectorNames.WIREGUARD_PORT_NAME);
        });
    }

    @Test
    void httpPortIsExposedForProbesAndMetrics() {
        assertThat(container().getPorts()).anySatisfy(p -> {
            assertThat(p.getProtocol()).isEqualTo("TCP");
            assertThat(p.getContainerPort()).isEqualTo(ConnectorNames.HTTP_PORT);
        });
    }

    @Test
    void argsPointAtTheMountedConfigAndKey() {
        assertThat(container().getArgs()).containsExactly("connector",
                "--config", "/etc/pinhole/config/connector.json",
                "--key", "/etc/pinhole/key/privateKey", "--drain-seconds", "20");
        assertThat(container().getImage()).isEqualTo(IMAGE);
    }

    @Test
    void theDrainEndsWellBeforeTheKubeletWouldSigkillThePod() {
        List<String> args = container().getArgs();
        long drain = Long.parseLong(args.get(args.indexOf("--drain-seconds") + 1));
        long grace = pod().getTerminationGracePeriodSeconds();
        assertThat(drain).isPositive();
        assertThat(grace - drain).as("time left to close flows and exit").isGreaterThanOrEqualTo(10);
        // The connector parses what the operator renders.
        assertThat(ConnectorArgs.parse(args.subList(1, args.size())).drain().toSeconds()).isEqualTo(drain);
    }

    @Test
    void aLongerDrainForASlowLoadBalancerRendersALongerGracePeriod() {
        c.getSpec().setDrainSeconds(90);

        assertThat(container().getArgs()).containsSubsequence("--drain-seconds", "90");
        assertThat(pod().getTerminationGracePeriodSeconds()).isEqualTo(100L);
    }

    @Test
    void aChangedDrainIsRolledOutNotLeftOnTheLivePods() {
        Deployment live = build();
        c.getSpec().setDrainSeconds(45);

        assertThat(new DeploymentChild(build()).matches(live)).isFalse();
    }

    @Test
    void replicasFollowTheSpec() {
        c.getSpec().setReplicas(3);

        assertThat(build().getSpec().getReplicas()).isEqualTo(3);
    }

    @Test
    void replicasDefaultToTwo() {
        c.getSpec().setReplicas(null);

        assertThat(build().getSpec().getReplicas()).isEqualTo(2);
    }

    @Test
    void zeroReplicasAreKept() {
        c.getSpec().setReplicas(0);

        assertThat(build().getSpec().getReplicas()).isZero();
    }

    @Test
    void podTemplateCarriesTheRestartHash() {
        assertThat(build().getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry(ConnectorNames.ANNOTATION_RESTART_HASH, HASH);
    }

    @Test
    void podTemplateChangesOnlyWithTheRestartHashForTheSameSpec() {
        Deployment a = DesiredDeployment.build(c, IMAGE, "aaaa");
        Deployment b = DesiredDeployment.build(c, IMAGE, "aaaa");
        Deployment other = DesiredDeployment.build(c, IMAGE, "bbbb");

        assertThat(a.getSpec().getTemplate()).isEqualTo(b.getSpec().getTemplate());
        assertThat(other.getSpec().getTemplate()).isNotEqualTo(a.getSpec().getTemplate());
    }

    @Test
    void defaultResourcesWhenNoneGiven() {
        c.getSpec().setResources(null);

        ResourceRequirements r = container().getResources();

        assertThat(r.getRequests()).containsKeys("cpu", "memory");
        assertThat(r.getLimits()).containsKey("memory");
    }

    @Test
    void theDefaultMemoryLimitGivesTheJvmAHeapOfAtMost128MiB() throws Exception {
        c.getSpec().setResources(null);
        Container container = container();
        long limit = container.getResources().getLimits().get("memory").getNumericalAmount().longValue();

        // The real JVM's ergonomics decide the heap; MaxRAM stands in for the cgroup limit of the container.
        long maxHeap = flag(flagsInForce(container, "-XX:MaxRAM=" + limit), "size_t", "MaxHeapSize");

        // 128 MiB of heap kept RSS at 243 MiB at the peak of 1,000 busy flows (bench/iperf.sh), under the 256 MiB target.
        assertThat(maxHeap).isBetween(96L << 20, 128L << 20);
    }

    @Test
    void connectorPodsRunTheSerialCollectorWhateverTheirMemoryLimit() throws Exception {
        // 4 GiB on this 2-CPU machine: left to its ergonomics, the JVM would choose G1.
        String flags = flagsInForce(container(), "-XX:MaxRAM=4g");

        assertThat(flags.lines().filter(l -> l.matches("\\s*bool Use(Serial|G1|Parallel|Z|Shenandoah)GC\\s.*"))
                .filter(l -> l.contains("= true"))).singleElement().asString().contains("UseSerialGC");
    }

    @Test
    void connectorPodsGiveTheHeapAndTheCHeapBackAfterABurst() throws Exception {
        c.getSpec().setResources(null);
        Container container = container();
        long limit = container.getResources().getLimits().get("memory").getNumericalAmount().longValue();
        String flags = flagsInForce(container, "-XX:MaxRAM=" + limit);

        // What the JVM has in force, not what the string says: the defaults (70 % free kept, shrinking in steps,
        // no trimming) held 244 MiB a minute after 1,000 busy connections, 154 with these.
        assertThat(flag(flags, "uintx", "MaxHeapFreeRatio")).isLessThanOrEqualTo(30);
        assertThat(flags).containsPattern("bool ShrinkHeapInSteps\\s+= false");
        assertThat(flag(flags, "uint", "TrimNativeHeapInterval")).isBetween(1L, 10_000L);
    }

    /** What a real JVM started with {@code container}'s JAVA_OPTS (after {@code maxRam}) has in force. */
    private static String flagsInForce(Container container, String maxRam) throws Exception {
        String javaOpts = container.getEnv().stream().filter(e -> e.getName().equals("JAVA_OPTS")).findFirst()
                .orElseThrow().getValue();
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), maxRam));
        command.addAll(List.of(javaOpts.split(" ")));
        command.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
        Process jvm = new ProcessBuilder(command).redirectErrorStream(true).start();
        String flags = new String(jvm.getInputStream().readAllBytes());
        jvm.waitFor();
        return flags;
    }

    private static long flag(String flags, String type, String name) {
        return flags.lines().filter(l -> l.matches("\\s*" + type + " " + name + "\\s.*")).findFirst()
                .map(l -> Long.parseLong(l.trim().split("\\s+")[3])).orElseThrow(() -> new AssertionError(name));
    }

    @Test
    void theRenderedJavaOptionsHandTheNativeAccessorSwitchToTheJvm() throws Exception {
        String javaOpts = container().getEnv().stream().filter(e -> e.getName().equals("JAVA_OPTS")).findFirst()
                .orElseThrow().getValue();
        // Asked of a JVM started with exactly these options: the options parse and the property is set. That the JDK's
        // reflection reads it is the JDK's (18+: ReflectionFactory's config); the start time it saves is in
        // docs/dataplane.md, measured by bench/connector-start.py, not asserted here.
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(javaOpts.split(" ")));
        command.addAll(List.of("-XshowSettings:properties", "-version"));
        Process jvm = new ProcessBuilder(command).redirectErrorStream(true).start();
        String settings = new String(jvm.getInputStream().readAllBytes());
        jvm.waitFor();

        assertThat(settings.lines().map(String::strip)).contains("jdk.reflect.useNativeAccessorOnly = true");
    }

    @Test
    void emptyResourcesGetTheDefaults() {
        c.getSpec().setResources(new ResourceRequirements());

        assertThat(container().getResources().getRequests()).containsKeys("cpu", "memory");
    }

    @Test
    void givenResourcesAreUsedAsIs() {
        ResourceRequirements given = new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity("1"))
                .addToLimits("memory", new Quantity("1Gi"))
                .build();
        c.getSpec().setResources(given);

        assertThat(container().getResources()).isEqualTo(given);
    }

    @Test
    void rollingUpdateNeverSurges() {
        var rolling = build().getSpec().getStrategy().getRollingUpdate();

        assertThat(rolling.getMaxSurge().getIntVal()).isZero();
        assertThat(rolling.getMaxUnavailable().getIntVal()).isEqualTo(1);
    }

    @Test
    void thePodLearnsItsOwnAddressesFromTheDownwardApi() {
        var env = container().getEnv().stream().filter(e -> e.getName().equals("POD_IPS")).findFirst().orElseThrow();

        assertThat(env.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIPs");
    }
}
