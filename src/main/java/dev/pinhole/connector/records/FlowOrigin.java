package dev.pinhole.connector.records;

/**
 * What admitted a flow: the app (the domain pattern of the config that matched, and the exact name the synthetic
 * address was answered for) or the static route (a CIDR of the config) its destination lies in.
 */
public record FlowOrigin(String pattern, String name, String route) {
    /** An app reached by name. */
    public static FlowOrigin app(String pattern, String name) {
        return new FlowOrigin(pattern, name, null);
    }

    /** A destination inside a static route. */
    public static FlowOrigin route(String cidr) {
        return new FlowOrigin(null, null, cidr);
    }

    void writeTo(JsonLine line) {
        line.field("appPattern", pattern).field("appName", name).field("route", route);
    }
}
