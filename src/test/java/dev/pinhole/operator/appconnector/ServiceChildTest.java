package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the connector's Service is re-applied because the live one no longer is what the operator wants. */
class ServiceChildTest {
    private final ServiceChild child = ServiceChild.of(TestConnectors.valid());

    /** The desired Service as the API server returns it: allocated addresses and ports, a load balancer. */
    private Service live() {
        Service live = Serialization.clone(child.desired());
        live.getSpec().setClusterIP("10.96.12.34");
        live.getSpec().getPorts().get(0).setNodePort(31820);
        live.getSpec().setInternalTrafficPolicy("Cluster");
        live.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatusBuilder().withNewLoadBalancer()
                .withIngress(new LoadBalancerIngressBuilder().withIp("203.0.113.50").build()).endLoadBalancer()
                .build());
        return live;
    }

    @Test
    void allocatedAddressesAndPortsAreNotDrift() {
        assertThat(child.matches(live())).isTrue();
    }

    @Test
    void aSelectorPointingAtOtherPodsIsDrift() {
        Service live = live();
        live.getSpec().setSelector(Map.of("app", "someone-else"));

        assertThat(child.matches(live)).isFalse();
    }

    @Test
    void anotherTypeIsDrift() {
        Service live = live();
        live.getSpec().setType("ClusterIP");

        assertThat(child.matches(live)).isFalse();
    }

    @Test
    void aServiceWithoutSpecIsDrift() {
        Service live = live();
        live.setSpec(null);

        assertThat(child.matches(live)).isFalse();
    }
}
