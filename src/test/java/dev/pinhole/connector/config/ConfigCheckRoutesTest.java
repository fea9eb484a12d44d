package dev.pinhole.connector.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.Adversarial;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Routes a careless or hostile spec could list: an IPv6 route that reaches forbidden IPv4 through a translation
 * form, and routes so wide the connector becomes an open proxy. Each is refused naming the route.
 */
@Adversarial
class ConfigCheckRoutesTest {
    static ConnectorConfig withRoutes(String... routes) {
        return new ConnectorConfig(ConnectorConfig.FORMAT, "saas", "apps",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                List.of(), List.of(), List.of(routes),
                new ConnectorConfig.Egress("203.0.113.10", null, false), null, new ConnectorConfig.Http(9090));
    }

    @ParameterizedTest
    @ValueSource(strings = {"::ffff:0:0/96", "::ffff:a00:0/104", "::ffff:7f00:1/128", "::ffff:a9fe:a9fe/128",
            "64:ff9b::/96", "64:ff9b::a00:0/104", "64:ff9b:1::/48", "64:ff9b:1:ab::/64", "::/1", "::/0", "::/96",
            "::a00:1/128", "::ffff:0:0:0/96", "2002::/16", "2002:a00::/24", "2002:7f00:1::/48", "2001::/32",
            "2001:0:a9fe:a9fe::/64", "2001:0:cb00:710a::80ff:fffe/128", "::/8"})
    void anIpv6RouteThatReachesForbiddenIpv4IsRefusedNamingTheRoute(String route) {
        List<ConfigProblem> problems = ConfigCheck.check(withRoutes("198.51.100.0/24", route));

        assertThat(problems).as(route).singleElement().satisfies(p -> {
            assertThat(p.field()).isEqualTo("routes[1]");
            assertThat(p.value()).isEqualTo(route);
            assertThat(p.reason()).contains("IPv4");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"2001:db8::/32", "2606:4700::/32", "::1/128", "::ffff:cb00:7100/120",
            "64:ff9b::cb00:7100/120", "2002:cb00:7100::/40", "fe80::/10"})
    void ipv6RoutesThatReachOnlyPublicIpv4OrNoIpv4Pass(String route) {
        assertThat(ConfigCheck.check(withRoutes(route))).as(route).isEmpty();
    }

    @Test
    void routesThatCoverMoreThanAnEighthOfIpv4AreAnOpenProxy() {
        List<ConfigProblem> problems = ConfigCheck.check(withRoutes("128.0.0.0/2", "192.0.0.0/2"));

        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.field()).isEqualTo("routes");
            assertThat(p.reason()).contains("open proxy");
        });
    }

    @Test
    void manySmallRoutesAddUpToAnOpenProxy() {
        String[] routes = new String[40];
        for (int i = 0; i < routes.length; i++) {
            routes[i] = (i + 1) + ".0.0.0/8";
        }
        assertThat(ConfigCheck.check(withRoutes(routes))).extracting(ConfigProblem::field).containsExactly("routes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"::ffff:4000:0/99,::ffff:2000:0/100", "64:ff9b::4000:0/99,64:ff9b::2000:0/100",
            "::ffff:0:4000:0/99,::ffff:0:2000:0/100", "::ffff:4000:0/99,32.0.0.0/4"})
    void ipv6SpellingsOfIpv4CountTowardsTheIpv4OpenProxyBound(String routes) {
        assertThat(ConfigCheck.check(withRoutes(routes.split(",")))).as(routes).extracting(ConfigProblem::field)
                .containsExactly("routes");
    }

    @Test
    void aWideIpv6RouteIsAnOpenProxy() {
        assertThat(ConfigCheck.check(withRoutes("3000::/4"))).extracting(ConfigProblem::field)
                .containsExactly("routes");
    }

    @Test
    void aLargeButBoundedRouteListPasses() {
        assertThat(ConfigCheck.check(withRoutes("3.0.0.0/9", "52.0.0.0/10", "2600:1f00::/24"))).isEmpty();
    }

    /** {@code count} distinct /32 routes in 198.18.0.0/15, none of which merge. */
    private static String[] scattered(int count) {
        String[] routes = new String[count];
        for (int i = 0; i < count; i++) {
            routes[i] = "198." + (18 + (i >> 14)) + "." + ((i >> 6) & 0xff) + "." + ((i & 0x3f) * 4) + "/32";
        }
        return routes;
    }

    @Test
    void aRouteListLongerThanTheRouteTableIsRefusedWhole() {
        List<ConfigProblem> problems = ConfigCheck.check(withRoutes(scattered(ConfigCheck.MAX_ROUTES + 1)));

        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.field()).isEqualTo("routes");
            assertThat(p.value()).isEqualTo((ConfigCheck.MAX_ROUTES + 1) + " routes");
            assertThat(p.reason()).startsWith("at most 16384 routes per connector");
        });
    }

    @Test
    void aRouteListAtTheRouteTableBoundPasses() {
        assertThat(ConfigCheck.check(withRoutes(scattered(ConfigCheck.MAX_ROUTES)))).isEmpty();
    }
}
