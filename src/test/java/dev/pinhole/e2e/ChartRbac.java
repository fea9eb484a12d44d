package dev.pinhole.e2e;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The operator's ServiceAccount, Roles and bindings exactly as {@code helm template} renders them from
 * {@code helm/pinhole} (the pinned helm from {@code hack/go-tool.sh}), installed into a cluster for one test and
 * removed again, cluster-scoped objects included; on Kind also the chart's operator Deployment of {@code image}, so
 * the operator runs in a pod with that ServiceAccount's own token.
 */
final class ChartRbac implements AutoCloseable {
    /** Kubernetes version helm renders for; the chart's kubeVersion refuses helm's built-in default. */
    private static final String KUBE_VERSION = "1.34.0";

    private final KubernetesClient client;
    private final String fullname;
    private final String releaseNamespace;
    private final List<HasMetadata> objects;
    private final List<HasMetadata> created = new ArrayList<>();

    private ChartRbac(KubernetesClient client, String fullname, String releaseNamespace, List<HasMetadata> objects) {
        this.client = client;
        this.fullname = fullname;
        this.releaseNamespace = releaseNamespace;
        this.objects = objects;
    }

    /**
     * Renders the chart's ServiceAccount and RBAC templates as release "pinhole" in {@code releaseNamespace};
     * {@code fullname} (fullnameOverride) keeps the cluster-scoped names of parallel runs apart. An empty
     * {@code watchNamespaces} renders the all-namespaces ClusterRole, otherwise one Role per namespace.
     */
    static ChartRbac render(KubernetesClient client, String fullname, String releaseNamespace,
                            List<String> watchNamespaces) throws IOException, InterruptedException {
        return render(client, fullname, releaseNamespace, watchNamespaces, null);
    }

    /**
     * As {@link #render(KubernetesClient, String, String, List)}, plus the chart's operator Deployment running
     * {@code image} ("repository:tag") when it is not null.
     */
    static ChartRbac render(KubernetesClient client, String fullname, String releaseNamespace,
                            List<String> watchNamespaces, String image) throws IOException, InterruptedException {
        return render(client, fullname, releaseNamespace, watchNamespaces, false, image);
    }

    /**
     * As {@link #render(KubernetesClient, String, String, List, String)}; {@code leaderElection} renders the chart
     * with {@code leaderElection.enabled=true}: its Lease Role in {@code releaseNamespace} (and, with an image, a
     * Deployment that elects a leader).
     */
    static ChartRbac render(KubernetesClient client, String fullname, String releaseNamespace,
                            List<String> watchNamespaces, boolean leaderElection, String image)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(helm().toString(), "template", "pinhole", "helm/pinhole",
                "--namespace", releaseNamespace, "--kube-version", KUBE_VERSION,
                "--set", "fullnameOverride=" + fullname,
                "--show-only", "templates/serviceaccount.yaml", "--show-only", "templates/rbac.yaml"));
        if (image != null) {
            int colon = image.lastIndexOf(':');
            if (colon <= image.lastIndexOf('/')) {
                throw new IllegalArgumentException("image " + image + " has no tag");
            }
            command.addAll(List.of("--show-only", "templates/deployment.yaml",
                    "--set", "image.repository=" + image.substring(0, colon),
                    "--set", "image.tag=" + image.substring(colon + 1), "--set", "image.pullPolicy=IfNotPresent"));
        }
        if (!watchNamespaces.isEmpty()) {
            command.addAll(List.of("--set", "watchNamespaces={" + String.join(",", watchNamespaces) + "}"));
        }
        if (leaderElection) {
            command.addAll(List.of("--set", "leaderElection.enabled=true"));
        }
        String yaml = run(command);
        List<HasMetadata> objects = client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)))
                .items();
        return new ChartRbac(client, fullname, releaseNamespace, objects);
    }

    private static Path helm() throws IOException, InterruptedException {
        String out = run(List.of("bash", "hack/go-tool.sh", "helm")).strip();
        return Path.of(out.substring(out.lastIndexOf('\n') + 1).strip());
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed");
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** The rendered objects (mutable until {@link #install()}: a test may trim a rule to prove a check fails). */
    List<HasMetadata> objects() {
        return objects;
    }

    /** Removes {@code verb} from every rule that grants it on {@code apiGroup}/{@code resource}. */
    ChartRbac withoutVerb(String apiGroup, String resource, String verb) {
        int removed = 0;
        for (HasMetadata o : objects) {
            List<PolicyRule> rules = o instanceof ClusterRole cr ? cr.getRules()
                    : o instanceof Role r ? r.getRules() : List.of();
            for (PolicyRule rule : rules) {
                if (rule.getApiGroups().contains(apiGroup) && rule.getResources().contains(resource)
                        && rule.getVerbs().contains(verb)) {
                    if (rule.getResources().size() > 1) {
                        throw new IllegalArgumentException("rule " + rule + " covers more than " + resource);
                    }
                    rule.setVerbs(new ArrayList<>(rule.getVerbs().stream().filter(v -> !v.equals(verb)).toList()));
                    removed++;
                }
            }
            if (!rules.isEmpty()) {
                rules.removeIf(rule -> rule.getVerbs().isEmpty());  // the API server refuses a rule without verbs
            }
        }
        if (removed == 0) {
            throw new IllegalArgumentException("the chart grants no " + verb + " on " + apiGroup + "/" + resource);
        }
        return this;
    }

    /** The rendered operator Deployment, when {@link #render} was given an image. */
    Optional<Deployment> deployment() {
        return objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst();
    }

    /** Creates every rendered object, in helm's install order (RBAC before the Deployment). */
    ChartRbac install() {
        for (HasMetadata o : objects) {
            if (!(o instanceof Deployment)) {
                created.add(client.resource(o).create());
            }
        }
        deployment().ifPresent(d -> created.add(client.resource(d).create()));
        return this;
    }

    /** The ServiceAccount's name: the chart names it after the release's fullname. */
    String serviceAccount() {
        return fullname;
    }

    String releaseNamespace() {
        return releaseNamespace;
    }

    /** The user name the API server (and its audit log) gives the ServiceAccount's tokens. */
    String username() {
        return "system:serviceaccount:" + releaseNamespace + ":" + fullname;
    }

    @Override
    public void close() {
        // Reverse order: the operator pod goes before the permissions it runs with.
        for (int i = created.size() - 1; i >= 0; i--) {
            client.resource(created.get(i)).delete();
        }
    }
}
