package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;

/** A valid AppConnector to start each test from; tests change only the field they are about. */
final class TestConnectors {
    static final String NAMESPACE = "apps";
    static final String NAME = "saas";
    /** RFC 7748 section 6.1 public keys, used as client public keys. */
    static final String ALICE_PUBLIC = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
    static final String BOB_PUBLIC = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=";

    private TestConnectors() {}

    static AppConnector valid() {
        AppConnector c = new AppConnector();
        c.setMetadata(new ObjectMetaBuilder().withName(NAME).withNamespace(NAMESPACE).withGeneration(1L)
                .withUid("0b0e0c1d-0000-4000-8000-000000000001").build());
        AppConnectorSpec spec = new AppConnectorSpec();
        spec.setDomains(new ArrayList<>(List.of("example.com", "*.example.net")));
        AppConnectorSpec.Routes routes = new AppConnectorSpec.Routes();
        routes.setCidrs(new ArrayList<>(List.of("198.51.100.0/24")));
        spec.setRoutes(routes);
        spec.setClients(new ArrayList<>(List.of(
                new AppConnectorSpec.Client("alice", ALICE_PUBLIC, "100.96.0.2/32"),
                new AppConnectorSpec.Client("bob", BOB_PUBLIC, "100.96.0.3/32"))));
        AppConnectorSpec.Egress egress = new AppConnectorSpec.Egress();
        egress.setElasticIP("203.0.113.10");
        egress.getNatGateway().setNodeSelector(java.util.Map.of("pinhole.dev/egress", "nat-gateway"));
        spec.setEgress(egress);
        c.setSpec(spec);
        return c;
    }
}
