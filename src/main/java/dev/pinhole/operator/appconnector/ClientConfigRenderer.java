package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Renders a client's wg-quick file. The client's private key is never known to the operator: the file carries a
 * placeholder the user replaces. AllowedIPs are static (app range, tunnel address, static routes) so the file
 * never needs re-pushing when an app's real addresses change.
 */
public final class ClientConfigRenderer {
    static final String PRIVATE_KEY_PLACEHOLDER = "<your private key: wg genkey>";

    private ClientConfigRenderer() {}

    public static String render(AppConnector c, AppConnectorSpec.Client client, String connectorPublicKey,
                                List<String> endpoints, List<String> routes) {
        AppConnectorSpec.WireGuardInterface t = ConnectorConfigRenderer.wireGuardInterface(c.getSpec());
        String dnsAddress = t.getAddress().substring(0, t.getAddress().indexOf('/'));
        Set<String> allowed = new LinkedHashSet<>();
        allowed.add(t.getAppRange());
        allowed.add(dnsAddress + (dnsAddress.contains(":") ? "/128" : "/32"));
        allowed.addAll(routes);
        StringBuilder sb = new StringBuilder();
        sb.append("# Pinhole client config for \"").append(client.getName()).append("\" of AppConnector ")
                .append(c.getMetadata().getNamespace()).append('/').append(c.getMetadata().getName()).append('\n');
        sb.append("# Replace the PrivateKey placeholder with the private key whose public key is ")
                .append(client.getPublicKey()).append('\n');
        sb.append("# DNS: only names under the connector's domains need it; see the README for split DNS.\n");
        sb.append("[Interface]\n");
        sb.append("PrivateKey = ").append(PRIVATE_KEY_PLACEHOLDER).append('\n');
        sb.append("Address = ").append(client.getAddress()).append('\n');
        sb.append("DNS = ").append(dnsAddress).append('\n');
        sb.append("MTU = ").append(t.getMtu()).append('\n');
        sb.append('\n');
        sb.append("[Peer]\n");
        sb.append("PublicKey = ").append(connectorPublicKey).append('\n');
        if (endpoints.isEmpty()) {
            sb.append("# Endpoint = <not known yet: see kubectl get appconnector ")
                    .append(c.getMetadata().getName()).append(" -o jsonpath='{.status.endpoints}'>\n");
        } else {
            sb.append("Endpoint = ").append(endpoints.get(0)).append('\n');
            // A peer has one endpoint; the others (more NAT-gateway nodes, more load balancer addresses) are
            // listed so a user can switch by hand when the first one is down.
            for (String other : endpoints.subList(1, endpoints.size())) {
                sb.append("# Endpoint = ").append(other).append("   (alternative)\n");
            }
        }
        sb.append("AllowedIPs = ").append(String.join(", ", new ArrayList<>(allowed))).append('\n');
        sb.append("PersistentKeepalive = 25\n");
        return sb.toString();
    }
}
