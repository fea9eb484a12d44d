package dev.pinhole.e2e;


import dev.pinhole.api.AppConnector;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Polls an AppConnector until its status passes a check, reporting each status it read (for failure output). */
final class ConnectorStatusPoll {
    private ConnectorStatusPoll() {}

    static AppConnector await(KubernetesClient client, String namespace, String name, Predicate<AppConnector> until,
                              Consumer<String> seen) {
        return org.awaitility.Awaitility.await().atMost(E2ECluster.WAIT).alias("AppConnector " + name + " status")
                .until(() -> {
                    AppConnector c = client.resources(AppConnector.class).inNamespace(namespace).withName(name).get();
                    seen.accept(describe(c));
                    return c;
                }, c -> c != null && c.getStatus() != null && until.test(c));
    }

    static Optional<Condition> condition(AppConnector c, String type) {
        return c.getStatus().getConditions().stream().filter(x -> type.equals(x.getType())).findFirst();
    }

    static String describe(AppConnector c) {
        return c == null || c.getStatus() == null ? "no status" : "conditions="
                + c.getStatus().getConditions().stream().map(x -> x.getType() + "=" + x.getStatus() + "/"
                        + x.getReason() + " " + x.getMessage()).toList()
                + " egressIPs=" + c.getStatus().getEgressIPs();
    }
}
