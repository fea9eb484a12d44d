package dev.pinhole.operator.appconnector;

import dev.pinhole.operator.ConditionSet.Status;
import dev.pinhole.operator.ConditionTypes.Reason;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the connector pods run the config the operator rendered (the ConfigApplied condition), from their
 * {@code /status} reports. The operator compares digests, not texts: {@code expected} is
 * {@link dev.pinhole.connector.config.LoadedConfig#digestOf} of the main config it rendered and the key, exactly what
 * a pod reports as {@code configDigest} once it put those files in force. The main config names every peer shard's
 * digest, so equal digests mean the same clients too; the ConfigMap's hash annotation would not do, since no pod
 * reports it. A pod whose newest main config is the expected one but still waits for shards
 * ({@code configWaiting}) is {@code ConfigWaiting}; one that refused the files it was given is {@code ConfigRefused};
 * any other difference (the kubelet has not refreshed the volume yet, a volume that is not the operator's) is
 * {@code ConfigStale}, with both digests.
 */
final class ConfigInForce {
    /** Pods named in a message; the rest are counted. */
    static final int NAMED_PODS = 8;

    /** The decision: ConfigApplied's status, reason and message. */
    record Verdict(Status status, String reason, String message) {
        boolean applied() {
            return status == Status.True;
        }

        boolean notApplied() {
            return status == Status.False;
        }
    }

    /** Shard files named per pod; the rest are counted (a message stays a few KiB whatever the pods say). */
    static final int NAMED_SHARDS = 4;

    private ConfigInForce() {}

    private static String shards(List<String> files) {
        if (files.isEmpty()) {
            return "files";
        }
        return String.join(", ", files.subList(0, Math.min(NAMED_SHARDS, files.size())))
                + (files.size() > NAMED_SHARDS ? " and " + (files.size() - NAMED_SHARDS) + " more" : "");
    }

    static Verdict of(String expected, List<ConnectorReports.Report> reports) {
        if (reports.isEmpty()) {
            return new Verdict(Status.Unknown, Reason.AWAITING_DATA_PLANE,
                    "no connector pod has reported the config it runs yet (the operator reads each Ready pod's"
                            + " /status, unless pinhole.operator.probe-connectors is off)");
        }
        List<String> refused = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        List<String> waiting = new ArrayList<>();
        int applied = 0;
        int silent = 0;
        for (ConnectorReports.Report report : reports) {
            ConnectorReports.ConfigState config = report.config();
            if (config.digest() == null) {
                silent++;
            } else if (config.digest().equals(expected)) {
                applied++;
            } else if (expected.equals(config.waitingDigest())) {
                waiting.add(report.pod() + " waits for peer shard " + shards(config.waitingShards()) + " (runs "
                        + config.digest() + ")");
            } else if (config.waitingDigest() != null) {
                stale.add(report.pod() + " runs " + config.digest() + " and waits for the shards of "
                        + config.waitingDigest());
            } else if (config.refused()) {
                refused.add(report.pod() + " refused its config files and runs " + config.digest()
                        + " (its /status configError says why)");
            } else {
                stale.add(report.pod() + " runs " + config.digest());
            }
        }
        if (refused.isEmpty() && stale.isEmpty() && waiting.isEmpty()) {
            if (applied == 0) {
                return new Verdict(Status.Unknown, Reason.AWAITING_DATA_PLANE,
                        "the connector pods do not report configDigest (an older connector image)");
            }
            return new Verdict(Status.True, Reason.CONFIG_IN_FORCE, "config " + expected + " in force on " + applied
                    + (applied == 1 ? " pod" : " pods") + (silent == 0 ? "" : "; " + silent + " not reporting it"));
        }
        List<String> pods = new ArrayList<>(refused);
        pods.addAll(stale);
        pods.addAll(waiting);
        String reason = !refused.isEmpty() ? Reason.CONFIG_REFUSED
                : !stale.isEmpty() ? Reason.CONFIG_STALE : Reason.CONFIG_WAITING;
        String named = String.join("; ", pods.subList(0, Math.min(NAMED_PODS, pods.size())))
                + (pods.size() > NAMED_PODS ? "; and " + (pods.size() - NAMED_PODS) + " more pods" : "");
        return new Verdict(Status.False, reason, "the operator rendered config " + expected + "; " + named
                + (applied == 0 ? "" : "; " + applied + " in force elsewhere"));
    }
}
