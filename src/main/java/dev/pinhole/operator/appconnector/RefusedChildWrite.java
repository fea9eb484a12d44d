package dev.pinhole.operator.appconnector;

/** A child write the API server refused for a known reason, carried out of the reconcile to be reported once. */
final class RefusedChildWrite extends RuntimeException {
    private final transient ChildWriteFailure failure;

    RefusedChildWrite(ChildWriteFailure failure, Throwable cause) {
        super(failure.toString(), cause, false, false);
        this.failure = failure;
    }

    ChildWriteFailure failure() {
        return failure;
    }

    /** Classifies {@code e} from writing a child of {@code kind}: a RefusedChildWrite, or {@code e} itself. */
    static RuntimeException of(io.fabric8.kubernetes.client.KubernetesClientException e, String kind) {
        return ChildWriteFailure.of(e, kind).<RuntimeException>map(f -> new RefusedChildWrite(f, e)).orElse(e);
    }
}
