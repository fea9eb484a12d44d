package dev.pinhole.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The API server's JSON-lines audit log ({@code test/cluster/up.sh} and test/kind/cluster.yaml write one for service
 * accounts outside kube-system): which requests a user made and which the API server refused. Read from a file, or,
 * when the API server runs elsewhere (a Kind node), from the output of a command that prints it.
 */
final class AuditLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One audited request, from its last recorded stage. {@code decision} is the authorizer's
     * ({@code authorization.k8s.io/decision}: allow or forbid) for the request's own verb; {@code message} the
     * response's status message.
     */
    record Request(String auditId, String user, String verb, String apiGroup, String resource, String subresource,
                   String namespace, int code, String decision, String message) {
        /**
         * Refused for a missing permission: by RBAC for the request's verb, or, once authorized, for a permission
         * the API server checks on top: "create" for a server-side apply that would create the object, or one the
         * OwnerReferencesPermissionEnforcement plugin requires (the message names the user or the owner reference).
         * A 403 from admission (e.g. writing into a namespace being deleted) is not a missing permission.
         */
        boolean forbidden() {
            return code == 403 && ("forbid".equals(decision) || ForbiddenLogLines.isRefusal(message));
        }

        /** "verb group/resource[/subresource] in namespace -> code", the way RBAC rules name things. */
        String describe() {
            return verb + " " + (apiGroup.isEmpty() ? "core" : apiGroup) + "/" + resource
                    + (subresource.isEmpty() ? "" : "/" + subresource)
                    + (namespace.isEmpty() ? "" : " in " + namespace) + " -> " + code
                    + (forbidden() && !"forbid".equals(decision) ? " (" + message + ")" : "");
        }
    }

    /** Reads the whole log as it is now. */
    @FunctionalInterface
    interface Source {
        List<String> lines() throws IOException, InterruptedException;
    }

    private final Source source;

    AuditLog(Path file) {
        this(() -> Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /** The log as {@code command} prints it (test/kind/run.sh: {@code docker exec NODE cat AUDIT_LOG}). */
    AuditLog(HarnessCommand command) {
        this(() -> command.run(Duration.ofMinutes(1)).lines().toList());
    }

    AuditLog(Source source) {
        this.source = source;
    }

    /** Every request {@code user} made so far; a long watch counts once, with its final response code. */
    List<Request> requestsBy(String user) {
        try {
            return parse(source.lines()).stream().filter(r -> r.user().equals(user)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the audit log", e);
        }
    }

    /** The requests of {@code user} RBAC refused. */
    List<Request> forbiddenFor(String user) {
        return requestsBy(user).stream().filter(Request::forbidden).toList();
    }

    /** Parses audit events (one JSON object per line); lines that are not audit events are skipped. */
    static List<Request> parse(List<String> lines) {
        Map<String, Request> byId = new LinkedHashMap<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode event;
            try {
                event = JSON.readTree(line);
            } catch (IOException e) {
                continue;  // a line cut off while the API server was writing it
            }
            if (!"Event".equals(event.path("kind").asText())) {
                continue;
            }
            JsonNode ref = event.path("objectRef");
            Request request = new Request(event.path("auditID").asText(),
                    event.path("user").path("username").asText(), event.path("verb").asText(),
                    ref.path("apiGroup").asText(""), ref.path("resource").asText(""),
                    ref.path("subresource").asText(""), ref.path("namespace").asText(""),
                    event.path("responseStatus").path("code").asInt(0),
                    event.path("annotations").path("authorization.k8s.io/decision").asText(""),
                    event.path("responseStatus").path("message").asText(""));
            byId.put(request.auditId(), request);  // ResponseComplete comes after ResponseStarted
        }
        return new ArrayList<>(byId.values());
    }
}
