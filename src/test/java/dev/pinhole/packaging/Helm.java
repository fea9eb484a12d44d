package dev.pinhole.packaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Drives the pinned helm binary against helm/pinhole, as release "pinhole" in namespace pinhole-system. */
final class Helm {

    static final String RELEASE = "pinhole";
    static final String NAMESPACE = "pinhole-system";
    /**
     * A helm built with `go install` assumes Kubernetes 1.20 (its release builds set a newer default), below the
     * chart's kubeVersion; the tests render for a current cluster.
     */
    static final String KUBE_VERSION = "1.34.0";
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private Helm() {
    }

    static CommandResult run(List<String> args) {
        return run(args, TIMEOUT);
    }

    static CommandResult run(List<String> args, Duration timeout) {
        List<String> command = new ArrayList<>();
        command.add(GoTool.path("helm").toString());
        command.addAll(args);
        return ExternalCommand.run(RepoLayout.ROOT, timeout, command);
    }

    static CommandResult tryTemplate(String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("template", RELEASE, RepoLayout.CHART.toString(),
                "--namespace", NAMESPACE, "--kube-version", KUBE_VERSION));
        args.addAll(List.of(extraArgs));
        return run(args);
    }

    /** Renders the chart; fails the test with helm's own message when it does not render. */
    static Manifests template(String... extraArgs) {
        CommandResult result = tryTemplate(extraArgs);
        if (!result.succeeded()) {
            throw new AssertionError(result.describe());
        }
        return Manifests.parse(result.stdout());
    }
}
