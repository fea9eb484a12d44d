package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.Adversarial;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

/** A child write the API server refuses is told in the AppConnector's terms. */
class ChildWriteFailureTest {

    private static KubernetesClientException refused(int code, String message, String field, String causeMessage,
                                                     String causeReason) {
        Status status = new StatusBuilder().withCode(code).withMessage(message).withNewDetails().withName("team-a")
                .addNewCause().withField(field).withMessage(causeMessage).withReason(causeReason).endCause()
                .endDetails().build();
        return new KubernetesClientException("Failure executing: PATCH at: https://127.0.0.1:6443/apis/apps/v1/"
                + "namespaces/team-a/deployments/github?fieldManager=pinhole-operator&force=true. Message: "
                + message, code, status);
    }

    @Test
    @Adversarial
    void aRefusedDeploymentFieldIsNamedAsTheSpecFieldItCameFrom() {
        var e = refused(422, "Deployment.apps \"github\" is invalid: ...",
                "spec.template.spec.tolerations[0].key", "Invalid value: \"bad key!\": name part must consist of"
                        + " alphanumeric characters", "FieldValueInvalid");
        assertThat(ChildWriteFailure.of(e, "Deployment")).contains(new ChildWriteFailure.InvalidSpec(
                "spec.egress.natGateway.tolerations[0].key: Invalid value: \"bad key!\": name part must consist of"
                        + " alphanumeric characters"));
    }

    @Test
    @Adversarial
    void resourcesNodeSelectorAndServiceAnnotationsMapBackToo() {
        assertThat(ChildFieldPaths.specField("Deployment", "spec.template.spec.containers[0].resources.requests"))
                .isEqualTo("spec.resources.requests");
        assertThat(ChildFieldPaths.specField("Deployment", "spec.template.spec.affinity.nodeAffinity"
                + ".requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key"))
                .isEqualTo("spec.egress.natGateway.nodeSelector");
        assertThat(ChildFieldPaths.specField("Service", "metadata.annotations")).isEqualTo("spec.service.annotations");
        assertThat(ChildFieldPaths.specField("Deployment", "spec.template.spec.securityContext"))
                .isEqualTo("Deployment spec.template.spec.securityContext");
    }

    @Test
    @Adversarial
    void aRefusalWithoutCausesNeverShowsTheRequestLine() {
        Status status = new StatusBuilder().withCode(400).withMessage("quantities must be numbers").build();
        var e = new KubernetesClientException("Failure executing: PATCH at: https://127.0.0.1:6443/x", 400, status);
        String message = ((ChildWriteFailure.InvalidSpec) ChildWriteFailure.of(e, "Deployment").orElseThrow())
                .message();
        assertThat(message).isEqualTo("Deployment refused by the API server: quantities must be numbers")
                .doesNotContain("Failure executing");
    }

    @Test
    void aNamespaceBeingDeletedIsRecognisedAndAnythingElseIsNoUserInput() {
        var terminating = refused(403, "deployments.apps \"github\" is forbidden: unable to create new content in"
                + " namespace team-a because it is being terminated", "", "namespace team-a is being terminated",
                "NamespaceTerminating");
        assertThat(ChildWriteFailure.of(terminating, "Deployment"))
                .contains(new ChildWriteFailure.NamespaceTerminating("team-a"));
        var conflict = new KubernetesClientException("conflict", 409, new StatusBuilder().withCode(409).build());
        assertThat(ChildWriteFailure.of(conflict, "Deployment")).isEmpty();
    }

    @Test
    void anyWriteRacingTheDeletionOfItsNamespaceOrConnectorEndsQuietlyWhereverItWasWrapped() {
        var gone = new KubernetesClientException("appconnectors \"doomed\" not found", 404,
                new StatusBuilder().withCode(404).withReason("NotFound").build());
        assertThat(ChildWriteFailure.namespaceOrConnectorGone(new IllegalStateException("status patch", gone)))
                .isTrue();
        var terminating = refused(403, "secrets is forbidden: unable to create new content in namespace team-a"
                + " because it is being terminated", "", "namespace team-a is being terminated", "NamespaceTerminating");
        assertThat(ChildWriteFailure.namespaceOrConnectorGone(terminating)).isTrue();
        var conflict = new KubernetesClientException("conflict", 409, new StatusBuilder().withCode(409).build());
        assertThat(ChildWriteFailure.namespaceOrConnectorGone(conflict)).isFalse();
        assertThat(ChildWriteFailure.namespaceOrConnectorGone(new IllegalStateException("a bug"))).isFalse();
    }

    @Test
    @Adversarial
    void aChildNameTakenByAnotherObjectIsNamedWithWhatToDo() {
        Status status = new StatusBuilder().withCode(409).withReason("AlreadyExists")
                .withMessage("secrets \"github-key\" already exists").withNewDetails().withName("github-key")
                .withKind("secrets").endDetails().build();
        var e = new KubernetesClientException("Failure executing: POST at: https://127.0.0.1:6443/x", 409, status);
        assertThat(ChildWriteFailure.of(e, "Secret")).contains(new ChildWriteFailure.NameTaken(
                "Secret github-key already exists and is not this AppConnector's: rename the AppConnector or remove"
                        + " that Secret"));
    }
}
