package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pinhole.api.AppConnector;
import dev.pinhole.testing.Adversarial;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's probe from the side of a namespace user who can create pods: a pod that merely carries the
 * connector's label, or names its ReplicaSet without being owned by it, is not asked; a pod that answers with a huge
 * body costs the operator a small, fixed amount of memory and is refused with a reason.
 */
@Adversarial
class ConnectorProbeTrustTest {
    private static final String DEPLOYMENT_UID = "d0000000-0000-4000-8000-000000000001";
    private static final String RS_UID = "r0000000-0000-4000-8000-000000000001";

    HttpServer server;
    volatile byte[] prefix;
    volatile long padBytes;
    /** When set, the body comes one byte per this many milliseconds, never ending within the test. */
    volatile long dripMillis;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        server.createContext("/status", ex -> {
            ex.sendResponseHeaders(200, 0); // chunked: no length announced
            try (OutputStream out = ex.getResponseBody()) {
                out.write(prefix);
                out.flush();
                for (int i = 0; dripMillis > 0 && i < 100; i++) {
                    Thread.sleep(dripMillis);
                    out.write('a');
                    out.flush();
                }
                byte[] pad = "a".repeat(65536).getBytes(StandardCharsets.US_ASCII);
                for (long sent = 0; sent < padBytes; sent += pad.length) {
                    out.write(pad);
                }
                out.write("\"}".getBytes(StandardCharsets.US_ASCII));
            } catch (java.io.IOException cancelledByTheOperator) {
                // the operator hung up: what it should do
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aHugeLyingStatusIsRefusedNotParsed() {
        prefix = "{\"observedEgressIP\":\"203.0.113.10\",\"egressVerified\":true,\"pad\":\""
                .getBytes(StandardCharsets.US_ASCII);
        padBytes = 8L << 20; // read whole and believed before: 8 MiB per pod per probe round
        var round = new ConnectorReports(Duration.ofSeconds(2))
                .collect(List.of(readyPod("rogue", "127.0.0.1", null)), server.getAddress().getPort());
        assertThat(round.reports()).isEmpty();
        assertThat(round.refused()).extracting(Object::toString)
                .containsExactly("rogue: body larger than " + ConnectorReports.MAX_BODY_BYTES + " bytes");
    }

    @Test
    void aStatusThatDripsForeverIsGivenUpAtTheDeadline() {
        prefix = "{\"observedEgressIP\":\"203.0.113.10\",\"egressVerified\":true,\"pad\":\""
                .getBytes(StandardCharsets.US_ASCII);
        dripMillis = 200;
        var round = new ConnectorReports(Duration.ofMillis(500))
                .collect(List.of(readyPod("slow", "127.0.0.1", null)), server.getAddress().getPort());
        assertThat(round.reports()).isEmpty();
        assertThat(round.refused()).extracting(Object::toString)
                .containsExactly("slow: body not complete within 500 ms");
    }

    @Test
    void onlyPodsOfTheConnectorsOwnReplicaSetsAreProbed() {
        AppConnector connector = TestConnectors.valid();
        Deployment deployment = new DeploymentBuilder().withNewMetadata().withName(TestConnectors.NAME)
                .withNamespace(TestConnectors.NAMESPACE).withUid(DEPLOYMENT_UID)
                .withOwnerReferences(controller("pinhole.dev/v1alpha1", "AppConnector", TestConnectors.NAME,
                        connector.getMetadata().getUid())).endMetadata().build();
        ReplicaSet replicaSet = new ReplicaSetBuilder().withNewMetadata().withName(TestConnectors.NAME + "-5d8f")
                .withNamespace(TestConnectors.NAMESPACE).withUid(RS_UID)
                .withOwnerReferences(controller("apps/v1", "Deployment", TestConnectors.NAME, DEPLOYMENT_UID))
                .endMetadata().build();
        // A ReplicaSet the namespace user made, claiming the Deployment's name but not its UID.
        ReplicaSet forgedSet = new ReplicaSetBuilder().withNewMetadata().withName(TestConnectors.NAME + "-evil")
                .withNamespace(TestConnectors.NAMESPACE).withUid("r0000000-0000-4000-8000-00000000beef")
                .withOwnerReferences(controller("apps/v1", "Deployment", TestConnectors.NAME,
                        "d0000000-0000-4000-8000-00000000beef")).endMetadata().build();

        Pod real = readyPod("real", "10.0.0.1", controller("apps/v1", "ReplicaSet", TestConnectors.NAME + "-5d8f", RS_UID));
        Pod labelOnly = readyPod("label-only", "10.0.0.2", null);
        Pod nameOnly = readyPod("name-only", "10.0.0.3", controller("apps/v1", "ReplicaSet",
                TestConnectors.NAME + "-5d8f", "r0000000-0000-4000-8000-000000000bad"));
        Pod ofForgedSet = readyPod("of-forged-set", "10.0.0.4", controller("apps/v1", "ReplicaSet",
                TestConnectors.NAME + "-evil", "r0000000-0000-4000-8000-00000000beef"));

        assertThat(AppConnectorReconciler.podsToProbe(connector, Optional.of(deployment),
                List.of(replicaSet, forgedSet), List.of(real, labelOnly, nameOnly, ofForgedSet)))
                .extracting(p -> p.getMetadata().getName()).containsExactly("real");
    }

    @Test
    void aDeploymentNotControlledByTheConnectorLendsItsPodsNoTrust() {
        AppConnector connector = TestConnectors.valid();
        Deployment impostor = new DeploymentBuilder().withNewMetadata().withName(TestConnectors.NAME)
                .withNamespace(TestConnectors.NAMESPACE).withUid(DEPLOYMENT_UID).endMetadata().build();
        ReplicaSet replicaSet = new ReplicaSetBuilder().withNewMetadata().withName(TestConnectors.NAME + "-5d8f")
                .withNamespace(TestConnectors.NAMESPACE).withUid(RS_UID)
                .withOwnerReferences(controller("apps/v1", "Deployment", TestConnectors.NAME, DEPLOYMENT_UID))
                .endMetadata().build();
        Pod pod = readyPod("p", "10.0.0.1", controller("apps/v1", "ReplicaSet", TestConnectors.NAME + "-5d8f", RS_UID));

        assertThat(AppConnectorReconciler.podsToProbe(connector, Optional.of(impostor), List.of(replicaSet),
                List.of(pod))).isEmpty();
    }

    private static OwnerReference controller(String apiVersion, String kind, String name, String uid) {
        return new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind).withName(name).withUid(uid)
                .withController(true).build();
    }

    private static Pod readyPod(String name, String ip, OwnerReference owner) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace(TestConnectors.NAMESPACE)
                .withLabels(Map.of(ConnectorNames.LABEL_CONNECTOR, TestConnectors.NAME)).endMetadata()
                .withNewStatus().withPodIP(ip).addNewCondition().withType("Ready").withStatus("True").endCondition()
                .endStatus();
        if (owner != null) {
            b.editMetadata().withOwnerReferences(owner).endMetadata();
        }
        return b.build();
    }
}
