package dev.pinhole.operator;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.api.IPSet;
import dev.pinhole.api.IPSetSpec;
import dev.pinhole.api.ObjectReference;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builders for the custom resources the operator tests create. */
public final class TestObjects {
    /** Valid WireGuard public keys (32 bytes, base64) for test clients. */
    public static final String KEY_1 = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
    public static final String KEY_2 = "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=";

    private TestObjects() {}

    public static AppConnector connector(String namespace, String name) {
        AppConnector c = new AppConnector();
        c.getMetadata().setName(name);
        c.getMetadata().setNamespace(namespace);
        AppConnectorSpec spec = new AppConnectorSpec();
        spec.setDomains(new ArrayList<>(List.of("github.com", "*.github.com")));
        AppConnectorSpec.Routes routes = new AppConnectorSpec.Routes();
        routes.setCidrs(new ArrayList<>(List.of("140.82.112.0/20")));
        spec.setRoutes(routes);
        spec.setClients(new ArrayList<>(List.of(
                new AppConnectorSpec.Client("laptop-1", KEY_1, "100.96.0.2/32"))));
        AppConnectorSpec.Egress egress = new AppConnectorSpec.Egress();
        egress.setElasticIP("203.0.113.10");
        egress.getNatGateway().setNodeSelector(Map.of("pinhole.dev/egress", "nat-gateway"));
        egress.getNatGateway().setTolerations(List.of(new TolerationBuilder()
                .withKey("pinhole.dev/egress").withOperator("Equal").withValue("nat-gateway")
                .withEffect("NoSchedule").build()));
        spec.setEgress(egress);
        spec.setReplicas(2);
        c.setSpec(spec);
        return c;
    }

    public static IPSet ipSet(String namespace, String name, List<String> addresses, String... includes) {
        IPSet s = new IPSet();
        s.getMetadata().setName(name);
        s.getMetadata().setNamespace(namespace);
        IPSetSpec spec = new IPSetSpec();
        spec.setAddresses(new ArrayList<>(addresses));
        List<ObjectReference> refs = new ArrayList<>();
        for (String include : includes) {
            refs.add(new ObjectReference(include));
        }
        spec.setInclude(refs);
        s.setSpec(spec);
        return s;
    }
}
