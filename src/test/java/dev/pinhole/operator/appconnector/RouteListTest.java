package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RouteListTest {
    @Test
    void routesAreMergedSortedAndIpv4First() {
        assertThat(RouteList.canonical(List.of("2001:db8::/32", "198.51.100.128/25", "192.0.2.0/24",
                "198.51.100.0/25", "192.0.2.0/25")))
                .containsExactly("192.0.2.0/24", "198.51.100.0/24", "2001:db8::/32");
    }

    @Test
    void noRoutesAreNoRoutes() {
        assertThat(RouteList.canonical(List.of())).isEmpty();
    }
}
