package dev.pinhole.connector;

import dev.pinhole.ipset.IpAddress;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * The connector pod's own addresses, which no client may reach (the pod serves {@code /status}, metrics and the
 * WireGuard port there): every address of its interfaces that is up, plus {@code POD_IPS} (the downward API's
 * {@code status.podIPs}, comma separated, as the operator renders it). Loopback and link-local addresses are left
 * to the built-in blocks, where a static route may still name loopback on purpose.
 */
public final class OwnAddresses {
    private static final Logger LOG = Logger.getLogger(OwnAddresses.class.getName());

    /** The environment variable the rendered Deployment fills from {@code status.podIPs}. */
    public static final String POD_IPS = "POD_IPS";

    private OwnAddresses() {}

    /** This process's own addresses: its interfaces and {@code POD_IPS} from {@code environment}. */
    public static List<IpAddress> discover(Map<String, String> environment) {
        TreeSet<IpAddress> out = new TreeSet<>(fromEnvironment(environment));
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nic.isUp()) {
                    for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                        if (!a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                            out.add(IpAddress.of(a));
                        }
                    }
                }
            }
        } catch (SocketException e) {
            LOG.warning("cannot list the pod's interfaces (" + e.getMessage() + "): only " + POD_IPS
                    + " is excluded as the pod's own address");
        }
        return List.copyOf(out);
    }

    /** The addresses in {@code POD_IPS}; an entry that does not parse is logged and skipped. */
    static List<IpAddress> fromEnvironment(Map<String, String> environment) {
        String text = environment.get(POD_IPS);
        List<IpAddress> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        for (String part : text.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            try {
                out.add(IpAddress.parse(part.strip()));
            } catch (IllegalArgumentException e) {
                LOG.warning(POD_IPS + " entry \"" + part.strip() + "\" is not an IP address: skipped");
            }
        }
        return out;
    }
}
