package dev.pinhole.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The operator the e2e tests run against: the packaged jar as a local process ({@link OperatorProcess}, against
 * test/cluster's control plane) or, with {@code PINHOLE_E2E_OPERATOR=in-cluster} (test/kind/run.sh), the chart's
 * Deployment already running in the cluster ({@link InClusterOperator}). Tests ask it for the same things either way.
 */
sealed interface OperatorUnderTest extends AutoCloseable permits OperatorProcess, InClusterOperator {

    /** Whether the operator under test is the in-cluster Deployment rather than a local process. */
    static boolean inCluster() {
        return "in-cluster".equals(System.getenv("PINHOLE_E2E_OPERATOR"));
    }

    /**
     * Starts a local operator process with {@code env} on top of the e2e defaults, or, in-cluster, attaches to the
     * Deployment and sets {@code env} on its container (a rollout, undone by {@link #close()}) when it is not empty.
     */
    static OperatorUnderTest start(KubernetesClient client, Map<String, String> env)
            throws IOException, InterruptedException {
        return inCluster() ? InClusterOperator.attach(client, env) : OperatorProcess.start(env);
    }

    /** Stops the operator gracefully and starts it again (in-cluster: its pod is deleted and a new one becomes Ready). */
    void restart(KubernetesClient client) throws IOException, InterruptedException;

    /**
     * Whether the operator never died on its own: the local process still runs; in-cluster, the pod seen at the
     * start (or the last {@link #restart}) still exists, is Ready and its container never restarted.
     */
    boolean isAlive();

    /** The operator's Prometheus exposition from {@code /q/metrics}. */
    String metrics() throws IOException, InterruptedException;

    /** The operator's log so far (in-cluster: the current pod's container log). */
    List<String> logLines();

    /** Where to look at the log by hand, for failure messages. */
    String logLocation();

    @Override
    void close() throws IOException, InterruptedException;
}
