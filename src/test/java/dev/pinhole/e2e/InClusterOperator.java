package dev.pinhole.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The operator as the chart's Deployment running in the cluster (test/kind/run.sh installs it from the built
 * image). {@code PINHOLE_E2E_OPERATOR_NAMESPACE} (default pinhole-system) and {@code PINHOLE_E2E_OPERATOR_DEPLOYMENT}
 * (default pinhole-operator) name it. Metrics come through the API server's pod proxy, the log from the pod, a
 * restart is a deleted pod, and environment overrides are set on the container (a rollout) and taken back on close.
 */
final class InClusterOperator implements OperatorUnderTest {
    static final String CONTAINER = "operator";
    private static final int HTTP_PORT = 8080;

    private final KubernetesClient client;
    private final String namespace;
    private final String deployment;
    /** The container's env before this test's overrides; null when nothing was overridden. */
    private final List<EnvVar> originalEnv;
    private Pod pod;
    private int restartsAtStart;

    private InClusterOperator(KubernetesClient client, String namespace, String deployment, List<EnvVar> originalEnv) {
        this.client = client;
        this.namespace = namespace;
        this.deployment = deployment;
        this.originalEnv = originalEnv;
    }

    static String namespace() {
        return envOr("PINHOLE_E2E_OPERATOR_NAMESPACE", "pinhole-system");
    }

    static String deploymentName() {
        return envOr("PINHOLE_E2E_OPERATOR_DEPLOYMENT", "pinhole-operator");
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** The chart's running Deployment, with {@code env} set on its operator container first when not empty. */
    static InClusterOperator attach(KubernetesClient client, Map<String, String> env) {
        return attach(client, namespace(), deploymentName(), env);
    }

    /** The operator Deployment {@code ns/name} once rolled out, with {@code env} set first when not empty. */
    static InClusterOperator attach(KubernetesClient client, String ns, String name, Map<String, String> env) {
        Deployment d = client.apps().deployments().inNamespace(ns).withName(name).get();
        if (d == null) {
            throw new IllegalStateException("PINHOLE_E2E_OPERATOR=in-cluster but there is no Deployment " + ns + "/"
                    + name + " (test/kind/run.sh installs the chart)");
        }
        List<EnvVar> original = null;
        if (!env.isEmpty()) {
            original = List.copyOf(container(d).getEnv());
            List<EnvVar> changed = withOverrides(original, env);
            client.apps().deployments().inNamespace(ns).withName(name).edit(x -> {
                container(x).setEnv(changed);
                return x;
            });
        }
        InClusterOperator operator = new InClusterOperator(client, ns, name, original);
        operator.awaitRolledOut();
        return operator;
    }

    /**
     * Scales the chart's operator Deployment to zero and waits until its pods are gone, for a test that runs an
     * operator of its own; returns what scales it back and waits until it is Ready again.
     */
    static Runnable pause(KubernetesClient client) {
        return pause(client, namespace(), deploymentName());
    }

    /** Scales the operator Deployment {@code ns/name} to zero; returns what scales it back. */
    static Runnable pause(KubernetesClient client, String ns, String name) {
        var deployments = client.apps().deployments().inNamespace(ns);
        Deployment d = deployments.withName(name).get();
        if (d == null) {
            throw new IllegalStateException("no operator Deployment " + ns + "/" + name + " to pause");
        }
        int replicas = Objects.requireNonNullElse(d.getSpec().getReplicas(), 1);
        deployments.withName(name).scale(0);
        await().atMost(E2ECluster.WAIT).alias("operator " + ns + "/" + name + " paused").until(() -> client.pods()
                .inNamespace(ns).withLabelSelector(d.getSpec().getSelector()).list().getItems().isEmpty());
        return () -> {
            deployments.withName(name).scale(replicas);
            new InClusterOperator(client, ns, name, null).awaitRolledOut();
        };
    }

    /** {@code env} replaces variables of the same name and adds the others, in a stable order. */
    static List<EnvVar> withOverrides(List<EnvVar> original, Map<String, String> env) {
        List<EnvVar> result = new ArrayList<>();
        for (EnvVar v : original) {
            result.add(env.containsKey(v.getName()) ? new EnvVar(v.getName(), env.get(v.getName()), null) : v);
        }
        env.keySet().stream().sorted().filter(k -> original.stream().noneMatch(v -> v.getName().equals(k)))
                .forEach(k -> result.add(new EnvVar(k, env.get(k), null)));
        return result;
    }

    private static io.fabric8.kubernetes.api.model.Container container(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> CONTAINER.equals(c.getName())).findFirst()
                .orElseThrow(() -> new IllegalStateException("no container '" + CONTAINER + "' in " + d.getMetadata()
                        .getName()));
    }

    /**
     * Waits until the Deployment's latest generation is rolled out and exactly its pods run, Ready (the chart uses
     * Recreate without leader election, so old and new never overlap), and remembers that pod.
     */
    private void awaitRolledOut() {
        pod = await().atMost(E2ECluster.WAIT).alias("operator Deployment " + namespace + "/" + deployment
                + " rolled out with one Ready pod").until(this::rolledOutPod, Optional::isPresent).orElseThrow();
        restartsAtStart = restarts(pod);
    }

    private Optional<Pod> rolledOutPod() {
        Deployment d = client.apps().deployments().inNamespace(namespace).withName(deployment).get();
        var status = d.getStatus();
        int wanted = Objects.requireNonNullElse(d.getSpec().getReplicas(), 1);
        if (wanted != 1) {
            throw new IllegalStateException("the e2e suite expects one operator replica, " + deployment + " has "
                    + wanted);
        }
        if (status == null || !Objects.equals(status.getObservedGeneration(), d.getMetadata().getGeneration())
                || !Objects.equals(status.getUpdatedReplicas(), 1) || !Objects.equals(status.getReplicas(), 1)
                || !Objects.equals(status.getReadyReplicas(), 1)) {
            return Optional.empty();
        }
        List<Pod> pods = client.pods().inNamespace(namespace)
                .withLabelSelector(d.getSpec().getSelector()).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
        return pods.size() == 1 && ready(pods.get(0)) ? Optional.of(pods.get(0)) : Optional.empty();
    }

    private static boolean ready(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static int restarts(Pod p) {
        return p.getStatus().getContainerStatuses().stream().filter(s -> CONTAINER.equals(s.getName()))
                .mapToInt(ContainerStatus::getRestartCount).sum();
    }

    /** The operator pod in use now. */
    Pod pod() {
        return pod;
    }

    /** The user name the API server gives the operator pod's ServiceAccount. */
    String serviceAccountUser() {
        return "system:serviceaccount:" + namespace + ":" + pod.getSpec().getServiceAccountName();
    }

    @Override
    public void restart(KubernetesClient ignored) {
        String old = pod.getMetadata().getUid();
        client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
        await().atMost(E2ECluster.WAIT).alias("a new operator pod Ready").until(() -> rolledOutPod()
                .filter(p -> !old.equals(p.getMetadata().getUid())).isPresent());
        awaitRolledOut();
    }

    @Override
    public boolean isAlive() {
        Pod now = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).get();
        return now != null && now.getMetadata().getUid().equals(pod.getMetadata().getUid())
                && now.getMetadata().getDeletionTimestamp() == null && ready(now) && restarts(now) == restartsAtStart;
    }

    @Override
    public String metrics() throws IOException {
        String url = client.getMasterUrl().toString().replaceAll("/+$", "") + "/api/v1/namespaces/" + namespace
                + "/pods/" + pod.getMetadata().getName() + ":" + HTTP_PORT + "/proxy/q/metrics";
        String body = client.raw(url);
        if (body == null) {
            throw new IOException("no /q/metrics through the pod proxy " + url);
        }
        return body;
    }

    @Override
    public List<String> logLines() {
        return client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).inContainer(CONTAINER)
                .getLog().lines().toList();
    }

    @Override
    public String logLocation() {
        return "kubectl -n " + namespace + " logs " + pod.getMetadata().getName() + " -c " + CONTAINER;
    }

    /** Takes the environment overrides back (another rollout); the Deployment itself stays. */
    @Override
    public void close() {
        if (originalEnv == null) {
            return;
        }
        client.apps().deployments().inNamespace(namespace).withName(deployment).edit(x -> {
            container(x).setEnv(new ArrayList<>(originalEnv));
            return x;
        });
        awaitRolledOut();
    }
}
