package dev.pinhole.operator.appconnector;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the API server's refusal of a child write means to the user of the AppConnector. A child is built from the
 * spec, so when the API server refuses a field of the Deployment or Service (a toleration key, a node-selector label,
 * resources, a Service annotation) the user must read the AppConnector's field, not the child's and not Fabric8's
 * request line. A namespace being deleted refuses every create: that is a normal act, not an error.
 */
public sealed interface ChildWriteFailure {
    /** The child was refused for a value that came from the spec: {@code message} names the spec field. */
    record InvalidSpec(String message) implements ChildWriteFailure {}

    /**
     * The child's name is taken by an object that is not this AppConnector's: freed by deleting that object, which
     * sends the operator no event (it only watches its own objects), so it is looked at again after a while.
     */
    record NameTaken(String message) implements ChildWriteFailure {}

    /** The namespace is being deleted: nothing can be created in it again, so nothing is retried. */
    record NamespaceTerminating(String namespace) implements ChildWriteFailure {}

    /** Causes quoted at most, so a condition message stays short. */
    int MAX_CAUSES = 3;

    /**
     * Classifies {@code e}, raised writing a child of {@code kind}; empty for failures that are no user input
     * (timeouts, conflicts, the API server down), which are retried with backoff.
     */
    static Optional<ChildWriteFailure> of(KubernetesClientException e, String kind) {
        Status status = e.getStatus();
        if (terminating(e) || e.getCode() == 404) {
            // 404 on a write: the namespace (or the AppConnector, whose children are written with it as owner) is
            // gone; the same quiet end as a namespace being deleted.
            String namespace = status != null && status.getDetails() != null ? status.getDetails().getName() : null;
            return Optional.of(new NamespaceTerminating(namespace));
        }
        if (e.getCode() == 409 && status != null && "AlreadyExists".equals(status.getReason())) {
            // Only creates can meet it (applies patch whatever exists): the name the connector derives for this
            // child is taken by an object that is not its own (it carries no managed-by label, or another owner).
            String name = status.getDetails() != null ? status.getDetails().getName() : "";
            return Optional.of(new NameTaken(kind + " " + name + " already exists and is not this AppConnector's:"
                    + " rename the AppConnector or remove that " + kind));
        }
        if (e.getCode() != 422 && e.getCode() != 400) {
            return Optional.empty();
        }
        return Optional.of(new InvalidSpec(describe(e, kind)));
    }

    /** One line for a condition: the spec fields behind the refused child fields and the API server's reasons. */
    static String describe(KubernetesClientException e, String kind) {
        Status status = e.getStatus();
        List<StatusCause> causes = status == null || status.getDetails() == null
                || status.getDetails().getCauses() == null ? List.of() : status.getDetails().getCauses();
        List<String> parts = new ArrayList<>();
        for (StatusCause cause : causes) {
            if (parts.size() == MAX_CAUSES) {
                parts.add("and " + (causes.size() - MAX_CAUSES) + " more");
                break;
            }
            parts.add(ChildFieldPaths.specField(kind, cause.getField()) + ": " + oneLine(cause.getMessage()));
        }
        if (parts.isEmpty()) {
            String reason = status != null && status.getMessage() != null ? status.getMessage() : "refused";
            // Without causes the API server's message names the object; Fabric8's "Failure executing: PATCH at:
            // https://..." prefix is no help to the user.
            parts.add(kind + " refused by the API server: " + oneLine(reason));
        }
        return String.join("; ", parts);
    }

    /**
     * Whether {@code failure} (or a cause of it) is a write the API server refused because the namespace is being
     * deleted or the object is gone already: whatever failed in the reconcile, there is nothing left to report on.
     */
    static boolean namespaceOrConnectorGone(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KubernetesClientException k && (terminating(k) || k.getCode() == 404)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the refusal is the NamespaceLifecycle admission plugin's: the namespace is being deleted. */
    static boolean terminating(KubernetesClientException e) {
        Status status = e.getStatus();
        if (status == null) {
            return false;
        }
        boolean cause = status.getDetails() != null && status.getDetails().getCauses() != null
                && status.getDetails().getCauses().stream()
                        .anyMatch(c -> "NamespaceTerminating".equals(c.getReason()));
        return cause || e.getCode() == 403 && status.getMessage() != null
                && status.getMessage().contains("because it is being terminated");
    }

    private static String oneLine(String text) {
        String line = text == null ? "" : text.replaceAll("\\s+", " ").trim();
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
