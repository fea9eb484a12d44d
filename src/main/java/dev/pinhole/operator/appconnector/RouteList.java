package dev.pinhole.operator.appconnector;

import dev.pinhole.ipset.IpSet;
import java.util.List;

/** Static routes as the connector and clients see them: the minimal sorted CIDR cover of everything routed. */
final class RouteList {
    private RouteList() {}

    static List<String> canonical(List<String> cidrs) {
        return IpSet.parse(cidrs).toCidrStrings();
    }
}
