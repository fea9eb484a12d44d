package dev.pinhole.dns.resolver;

import dev.pinhole.dns.message.DnsName;

/**
 * Whether one client may reach a name the connector serves; a name it may not reach is answered REFUSED before
 * anything is asked upstream or mapped, so no synthetic address is spent on it.
 */
@FunctionalInterface
public interface NameAccess {
    /** Every served name (no access rules). */
    NameAccess EVERY_NAME = name -> true;

    boolean mayReach(DnsName name);
}
