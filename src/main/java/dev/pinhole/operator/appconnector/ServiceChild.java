package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import io.fabric8.kubernetes.api.model.Service;
import java.util.Objects;

/**
 * The connector's UDP Service. A live copy matches while its type and selector are the desired ones: those decide
 * whether clients reach the connector pods at all. What the API server allocates (cluster IP, node port, load
 * balancer status) and defaults is tolerated.
 */
public record ServiceChild(Service desired) implements OwnedChild<Service> {
    static ServiceChild of(AppConnector connector) {
        return new ServiceChild(DesiredNetworkObjects.service(connector));
    }

    @Override
    public boolean matches(Service live) {
        return live.getSpec() != null && Objects.equals(desired.getSpec().getType(), live.getSpec().getType())
                && Objects.equals(desired.getSpec().getSelector(), live.getSpec().getSelector());
    }
}
