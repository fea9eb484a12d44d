package dev.pinhole.operator.appconnector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.http.CappedBody;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Reads what connector pods report on their /status endpoint (observed egress IP, flows, mapped names). A pod is a
 * party the operator does not control (see {@link AppConnectorReconciler#podsToProbe} for which pods are asked):
 * each answer is read up to {@link #MAX_BODY_BYTES} and within the timeout, or refused with a reason. Pods that do
 * not answer in time, or are refused, are left out: a silent pod proves nothing, so it never counts as verified.
 */
public final class ConnectorReports {
    private static final Logger LOG = Logger.getLogger(ConnectorReports.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The operator asks for /status without its per-client part (about 350 bytes a client: 1.7 MB at 5,000), a few
     * KiB; a connector from before that query sends the whole, under 100 KiB up to 256 clients. The cap bounds what
     * one probe round can cost the operator, whatever a pod sends.
     */
    static final int MAX_BODY_BYTES = 256 * 1024;
    /** The connector's /status without clientStats (HttpEndpoints.STATUS_WITHOUT_CLIENTS; older ones ignore it). */
    static final String STATUS_PATH = "/status?clientStats=omit";

    /** One pod's report. */
    public record Report(String pod, String observedEgressIP, boolean egressVerified, long activeFlows,
                         long mappedNames, ConfigState config) {
        /** A report that says nothing about its config (a connector from before configDigest). */
        public Report(String pod, String observedEgressIP, boolean egressVerified, long activeFlows,
                      long mappedNames) {
            this(pod, observedEgressIP, egressVerified, activeFlows, mappedNames, ConfigState.UNKNOWN);
        }
    }

    /**
     * What a pod says of its config: the digest in force ({@code configDigest}), the digest of a newer main config
     * waiting for peer shards with the shard files it waits for ({@code configWaiting}), and whether the newest
     * config file was refused ({@code configError} set). Only digests (hex) and shard file names are kept: they go
     * into a condition message anyone who can read the AppConnector sees, so no other text of the pod's does.
     */
    public record ConfigState(String digest, String waitingDigest, List<String> waitingShards, boolean refused) {
        static final ConfigState UNKNOWN = new ConfigState(null, null, List.of(), false);
        /** Shard names kept per report: a config names at most 16 shards. */
        static final int MAX_SHARDS = 16;

        public ConfigState {
            waitingShards = waitingShards == null ? List.of() : List.copyOf(waitingShards);
        }
    }

    /** A pod whose answer was not used, and why (for the EgressVerified message and the log). */
    public record Refusal(String pod, String reason) {
        @Override
        public String toString() {
            return pod + ": " + reason;
        }
    }

    /** What one round of probes gave. */
    public record Round(List<Report> reports, List<Refusal> refused) {
        static final Round EMPTY = new Round(List.of(), List.of());
    }

    private sealed interface Outcome permits Outcome.Reported, Outcome.Refused {
        record Reported(Report report) implements Outcome {}

        record Refused(Refusal refusal) implements Outcome {}
    }

    private final HttpClient http;
    private final Duration timeout;

    public ConnectorReports(Duration timeout) {
        this.http = HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.timeout = timeout;
    }

    public Round collect(List<Pod> pods, int port) {
        List<CompletableFuture<Outcome>> pending = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Pod pod : pods) {
            String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
            if (ip == null || ip.isEmpty()) {
                continue;
            }
            String name = pod.getMetadata().getName();
            String host = ip.contains(":") ? "[" + ip + "]" : ip;
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + STATUS_PATH))
                    .timeout(timeout).GET().build();
            names.add(name);
            pending.add(http.sendAsync(request, CappedBody.ofString(MAX_BODY_BYTES, timeout))
                    .thenApply(r -> r.statusCode() == 200 ? parse(name, r.body())
                            : refused(name, "/status answered HTTP " + r.statusCode()))
                    .exceptionally(e -> refused(name, CappedBody.refusal(e).map(Throwable::getMessage)
                            .orElse("no answer (" + rootCause(e) + ")"))));
        }
        List<Report> reports = new ArrayList<>();
        List<Refusal> refusals = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            Outcome outcome;
            try {
                outcome = pending.get(i).get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome = refused(names.get(i), "interrupted");
            } catch (Exception e) {
                pending.get(i).cancel(true);
                outcome = refused(names.get(i), "no answer within " + timeout.toMillis() * 2 + " ms");
            }
            if (outcome instanceof Outcome.Reported r) {
                reports.add(r.report());
            } else if (outcome instanceof Outcome.Refused r) {
                refusals.add(r.refusal());
                LOG.infof("not counting connector pod %s: %s", r.refusal().pod(), r.refusal().reason());
            }
        }
        return new Round(List.copyOf(reports), List.copyOf(refusals));
    }

    private static Outcome refused(String pod, String reason) {
        return new Outcome.Refused(new Refusal(pod, reason));
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName();
    }

    /**
     * The observed egress IP only when it is an address: it is copied into status and a condition message, where
     * anyone who can read the AppConnector sees it, so nothing else a verify URL answered may get there.
     */
    private static String address(JsonNode value) {
        if (!value.isTextual()) {
            return null;
        }
        try {
            return dev.pinhole.ipset.IpAddress.parse(value.asText()).toString();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static final java.util.regex.Pattern DIGEST = java.util.regex.Pattern.compile("[0-9a-f]{8,64}");
    private static final java.util.regex.Pattern SHARD_FILE = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private static ConfigState config(JsonNode n) {
        JsonNode waiting = n.path("configWaiting");
        List<String> shards = new ArrayList<>();
        for (JsonNode shard : waiting.path("shards")) {
            String file = shard.path("shard").asText("");
            if (shards.size() < ConfigState.MAX_SHARDS && SHARD_FILE.matcher(file).matches()) {
                shards.add(file);
            }
        }
        JsonNode error = n.path("configError");
        return new ConfigState(matching(n.path("configDigest"), DIGEST), matching(waiting.path("digest"), DIGEST),
                shards, error.isTextual() && !error.asText().isEmpty());
    }

    /** {@code value} when it is text of that shape, else null. */
    private static String matching(JsonNode value, java.util.regex.Pattern shape) {
        return value.isTextual() && shape.matcher(value.asText()).matches() ? value.asText() : null;
    }

    private static Outcome parse(String pod, String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject()) {
                return refused(pod, "/status is not a JSON object");
            }
            return new Outcome.Reported(new Report(pod,
                    address(n.path("observedEgressIP")),
                    n.path("egressVerified").asBoolean(false),
                    n.path("activeFlows").asLong(0),
                    n.path("mappedNames").asLong(0),
                    config(n)));
        } catch (java.io.IOException e) {
            return refused(pod, "/status is not JSON");
        }
    }
}
