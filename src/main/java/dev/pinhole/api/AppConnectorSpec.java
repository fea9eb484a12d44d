package dev.pinhole.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pinhole.api.schema.ResourceRequirementsSchema;
import dev.pinhole.api.schema.TolerationSchema;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Desired state of an AppConnector: which apps, which clients, the tunnel, and the egress it must leave through. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.clients) || self.clients.all(c, self.clients.exists_one(d, d.name == c.name))",
        message = "client names must be unique", fieldPath = ".clients")
@ValidationRule(value = "!has(self.clients) || self.clients.all(c, self.clients.exists_one(d, d.address == c.address))",
        message = "client addresses must be unique", fieldPath = ".clients")
@ValidationRule(value = "!has(self.access) || self.access.all(r, self.access.exists_one(q, q.name == r.name))",
        message = "access rule names must be unique", fieldPath = ".access")
@ValidationRule(value = "(has(self.domains) && size(self.domains) > 0) || (has(self.routes)"
        + " && ((has(self.routes.cidrs) && size(self.routes.cidrs) > 0)"
        + " || (has(self.routes.ipSets) && size(self.routes.ipSets) > 0)))",
        message = "at least one of domains, routes.cidrs or routes.ipSets must have an entry: a connector with"
                + " none forwards nothing")
public class AppConnectorSpec {

    @JsonPropertyDescription("Apps reached by name. \"example.com\" matches that name only; \"*.example.com\" matches"
            + " every name below it but not the apex. Case-insensitive, trailing dot optional.")
    @Size(max = 256)
    @ValidationRule(value = "self.all(x, " + Patterns.CEL_IS_DOMAIN + ")",
            messageExpression = "'not a domain name (example.com) or wildcard (*.example.com): ' + self.filter(x, !"
                    + Patterns.CEL_IS_DOMAIN + ")[0]")
    private List<@Size(max = 253) String> domains;

    @JsonPropertyDescription("Apps reached by address: CIDRs and IPSets forwarded to their real addresses.")
    private Routes routes;

    @JsonPropertyDescription("Who may use the connector: one WireGuard peer per client.")
    @Size(max = 256)
    private List<Client> clients = new ArrayList<>();

    @JsonPropertyDescription("Which Client objects this connector admits besides spec.clients, and what groups"
            + " they may claim (docs/access.md). Absent: spec.clients only. A Client selected by several sources"
            + " is admitted through the first.")
    @Size(max = 16)
    private List<ClientSource> clientSources;

    @JsonPropertyDescription("Who may reach which apps (docs/access.md). Absent or empty, and no client in a group:"
            + " every client reaches every domain and route; once clients carry groups, no rules means no access. With rules, a client reaches a domain or route only when a rule grants it, by the"
            + " client's name or one of its groups; DNS answers REFUSED for a domain it may not reach.")
    @Size(max = 256)
    private List<AccessRule> access;

    @JsonPropertyDescription("The WireGuard interface of the connector.")
    private WireGuardInterface tunnel = new WireGuardInterface();

    @JsonPropertyDescription("How clients reach the connector's UDP port.")
    private ServiceSpec service = new ServiceSpec();

    @Required
    @JsonPropertyDescription("The egress that apps must see: the NAT gateway's reserved IP and the nodes behind it.")
    private Egress egress;

    @JsonPropertyDescription("DNS served to clients at the tunnel address.")
    private Dns dns = new Dns();

    @Min(0)
    @Max(20)
    @Default("2")
    @JsonPropertyDescription("Number of connector pods; each serves every client (clients fail over by DNS or"
            + " endpoint).")
    private Integer replicas = 2;

    @Min(0)
    @Max(600)
    @Default("20")
    @JsonPropertyDescription("Seconds a stopping connector pod (rollout, drain, deletion) keeps forwarding after it"
            + " reported not ready, so the load balancer has moved its clients before it closes their flows and"
            + " exits; the pod's terminationGracePeriodSeconds is this plus 10. Set it above your load balancer's"
            + " health-check interval times its unhealthy threshold.")
    private Integer drainSeconds = 20;

    @JsonPropertyDescription("Compute resources of each connector pod.")
    @SchemaFrom(type = ResourceRequirementsSchema.class)
    private ResourceRequirements resources;

    @JsonPropertyDescription("The connector's resource budget: what one client and all clients together may hold"
            + " (flows, buffered bytes, synthetic names, DNS queries in flight, DNS-over-TCP sessions). Over a bound"
            + " a client is refused (RST, SERVFAIL, REFUSED) or slowed (its TCP window closes), never the others."
            + " Every bound left out takes its default, sized for the default 384Mi pod.")
    private Limits limits;

    @JsonPropertyDescription("Which flow, refusal and lookup records the connector writes to standard output as"
            + " JSON lines (docs/flow-records.md), for a log pipeline: who (client name and key) reached what (app"
            + " name or route, destination), when and how much. Applied without a restart. Every field left out"
            + " takes its default: flow ends on, refusals on, lookups off, client endpoints included.")
    private Records records;

    public List<String> getDomains() { return domains; }
    public void setDomains(List<String> domains) { this.domains = domains; }
    public Routes getRoutes() { return routes; }
    public void setRoutes(Routes routes) { this.routes = routes; }
    public List<Client> getClients() { return clients; }
    public void setClients(List<Client> clients) { this.clients = clients; }
    public List<ClientSource> getClientSources() { return clientSources; }
    public void setClientSources(List<ClientSource> clientSources) { this.clientSources = clientSources; }
    public List<AccessRule> getAccess() { return access; }
    public void setAccess(List<AccessRule> access) { this.access = access; }
    public WireGuardInterface getTunnel() { return tunnel; }
    public void setTunnel(WireGuardInterface tunnel) { this.tunnel = tunnel; }
    public ServiceSpec getService() { return service; }
    public void setService(ServiceSpec service) { this.service = service; }
    public Egress getEgress() { return egress; }
    public void setEgress(Egress egress) { this.egress = egress; }
    public Dns getDns() { return dns; }
    public void setDns(Dns dns) { this.dns = dns; }
    public Integer getReplicas() { return replicas; }
    public void setReplicas(Integer replicas) { this.replicas = replicas; }
    public Integer getDrainSeconds() { return drainSeconds; }
    public void setDrainSeconds(Integer drainSeconds) { this.drainSeconds = drainSeconds; }
    public ResourceRequirements getResources() { return resources; }
    public void setResources(ResourceRequirements resources) { this.resources = resources; }
    public Limits getLimits() { return limits; }
    public void setLimits(Limits limits) { this.limits = limits; }
    public Records getRecords() { return records; }
    public void setRecords(Records records) { this.records = records; }

    /** Which records the connector writes; each field optional (connector defaults). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Records {
        @JsonPropertyDescription("Flow records: \"end\" (one line when a flow ends, with bytes and packets each"
                + " way, duration and how it ended), \"startAndEnd\" (also a line when it starts) or \"none\"."
                + " Default end.")
        @ValidationRule(value = "self in ['end', 'startAndEnd', 'none']",
                messageExpression = "'must be end, startAndEnd or none: ' + self")
        private String flows;

        @JsonPropertyDescription("Refusal records: a line per refused flow with its reason, at most"
                + " refusalsPerSecond per client and reason after a burst of 10, so a scan cannot flood the log."
                + " Default true.")
        private Boolean refusals;

        @JsonPropertyDescription("Lookup records: a line per DNS query a client sends the tunnel DNS, with the"
                + " synthetic and real addresses answered or why it was refused. Default false.")
        private Boolean lookups;

        @JsonPropertyDescription("Whether records carry the client's outer address and port (its home, office or"
                + " mobile IP): \"include\" or \"omit\" (a privacy choice). Default include.")
        @ValidationRule(value = "self in ['include', 'omit']", messageExpression = "'must be include or omit: ' + self")
        private String clientEndpoints;

        @Min(1)
        @Max(100)
        @JsonPropertyDescription("Refusal records one client may cause per reason and second, after a burst of 10;"
                + " the next record written says how many were left out. Default 1.")
        private Integer refusalsPerSecond;

        @Min(0)
        @Max(86400)
        @JsonPropertyDescription("Seconds after which an open flow gets an update record with its running totals,"
                + " and again at every further multiple (IPFIX's active timeout), so a long flow shows while it"
                + " lasts and a pod killed without its drain loses at most this much; 0: none. Default 300.")
        private Integer activeTimeoutSeconds;

        public String getFlows() { return flows; }
        public void setFlows(String flows) { this.flows = flows; }
        public Boolean getRefusals() { return refusals; }
        public void setRefusals(Boolean refusals) { this.refusals = refusals; }
        public Boolean getLookups() { return lookups; }
        public void setLookups(Boolean lookups) { this.lookups = lookups; }
        public String getClientEndpoints() { return clientEndpoints; }
        public void setClientEndpoints(String clientEndpoints) { this.clientEndpoints = clientEndpoints; }
        public Integer getRefusalsPerSecond() { return refusalsPerSecond; }
        public void setRefusalsPerSecond(Integer refusalsPerSecond) { this.refusalsPerSecond = refusalsPerSecond; }
        public Integer getActiveTimeoutSeconds() { return activeTimeoutSeconds; }
        public void setActiveTimeoutSeconds(Integer activeTimeoutSeconds) {
            this.activeTimeoutSeconds = activeTimeoutSeconds;
        }
    }

    /** The resource budget; each bound optional (connector defaults). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Limits {
        @JsonPropertyDescription("TCP and UDP flows at once. Default 2048 per client, 16384 in total.")
        private Limit flows;

        @JsonPropertyDescription("Bytes buffered in the userspace TCP stack (send and receive buffers, DNS over"
                + " TCP). Default 8 MiB per client, 48 MiB in total.")
        private Limit bufferBytes;

        @JsonPropertyDescription("Synthetic names a client's queries created and that are still mapped. Default"
                + " 1024 per client, 65536 in total.")
        private Limit syntheticNames;

        @JsonPropertyDescription("DNS queries waiting for the upstream. Default 128 per client, 1024 in total.")
        private Limit dnsQueries;

        @JsonPropertyDescription("DNS-over-TCP sessions to the tunnel resolver. Default 8 per client, 64 in total.")
        private Limit dnsTcpSessions;

        public Limit getFlows() { return flows; }
        public void setFlows(Limit flows) { this.flows = flows; }
        public Limit getBufferBytes() { return bufferBytes; }
        public void setBufferBytes(Limit bufferBytes) { this.bufferBytes = bufferBytes; }
        public Limit getSyntheticNames() { return syntheticNames; }
        public void setSyntheticNames(Limit syntheticNames) { this.syntheticNames = syntheticNames; }
        public Limit getDnsQueries() { return dnsQueries; }
        public void setDnsQueries(Limit dnsQueries) { this.dnsQueries = dnsQueries; }
        public Limit getDnsTcpSessions() { return dnsTcpSessions; }
        public void setDnsTcpSessions(Limit dnsTcpSessions) { this.dnsTcpSessions = dnsTcpSessions; }
    }

    /** One bound: per client and in total. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(value = "!has(self.perClient) || !has(self.total) || self.perClient <= self.total",
            message = "perClient must not exceed total")
    public static class Limit {
        @Min(1)
        @JsonPropertyDescription("At most this much for any one client.")
        private Long perClient;

        @Min(1)
        @JsonPropertyDescription("At most this much for all clients together.")
        private Long total;

        public Long getPerClient() { return perClient; }
        public void setPerClient(Long perClient) { this.perClient = perClient; }
        public Long getTotal() { return total; }
        public void setTotal(Long total) { this.total = total; }
    }

    /** Static destinations, forwarded to their real addresses. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Routes {
        @JsonPropertyDescription("CIDRs (IPv4 or IPv6) forwarded to their real addresses.")
        @Size(max = 1024)
        @ValidationRule(value = "self.all(x, " + Patterns.CEL_IS_CIDR + ")",
                messageExpression = "'not a CIDR: ' + self.filter(x, !" + Patterns.CEL_IS_CIDR + ")[0]")
        private List<@Size(max = 43) String> cidrs;

        @JsonPropertyDescription("IPSets in the same namespace whose addresses are forwarded.")
        @Size(max = 64)
        private List<ObjectReference> ipSets;

        public List<String> getCidrs() { return cidrs; }
        public void setCidrs(List<String> cidrs) { this.cidrs = cidrs; }
        public List<ObjectReference> getIpSets() { return ipSets; }
        public void setIpSets(List<ObjectReference> ipSets) { this.ipSets = ipSets; }
    }

    /** One WireGuard client: its public key and its address inside the tunnel. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Client {
        @Required
        @Size(max = 63)
        @ValidationRule(value = "self.matches('" + Patterns.CLIENT_NAME + "')", messageExpression = "'not a client"
                + " name (letters, digits, \\'-\\', \\'_\\', \\'.\\'; starting and ending with a letter or digit): ' + self")
        @JsonPropertyDescription("Client name; also the key of its rendered config in the <connector>-clients"
                + " ConfigMap.")
        private String name;

        @Required
        @Size(max = 44)
        @ValidationRule(value = "self.matches('" + Patterns.WG_KEY + "')", messageExpression = "'not a WireGuard"
                + " public key (44 characters of base64 ending in =, as wg pubkey prints it): ' + self")
        @JsonPropertyDescription("The client's WireGuard public key (base64, 32 bytes). Its private key never"
                + " leaves the client.")
        private String publicKey;

        @Required
        @Size(max = 43)
        @ValidationRule(value = "isCIDR(self) && (cidr(self).prefixLength() == 32 || cidr(self).prefixLength() == 128)",
                messageExpression = "'must be a single address as /32 or /128, got ' + self")
        @JsonPropertyDescription("The client's tunnel address, e.g. 100.96.0.2/32, inside tunnel.address.")
        private String address;

        @JsonPropertyDescription("Groups the access rules grant apps to (DNS labels: lower-case letters, digits"
                + " and '-').")
        @Size(max = 32)
        private List<@Size(max = 63) @Pattern(Patterns.GROUP) String> groups;

        public Client() {}

        public Client(String name, String publicKey, String address) {
            this.name = name;
            this.publicKey = publicKey;
            this.address = address;
        }

        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
        public String getPublicKey() { return publicKey; }
        public void setPublicKey(String publicKey) { this.publicKey = publicKey; }
        public String getAddress() { return address; }
        public void setAddress(String address) { this.address = address; }
        public List<String> getGroups() { return groups; }
        public void setGroups(List<String> groups) { this.groups = groups; }
    }

    /**
     * One access rule: the clients it names and the members of its groups may reach its domains (each one of
     * spec.domains or under one of its wildcards) and routes (inside spec.routes).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class AccessRule {
        @Required
        @Size(max = 63)
        @Pattern(Patterns.GROUP)
        @JsonPropertyDescription("Rule name, unique in the connector (a DNS label).")
        private String name;

        @JsonPropertyDescription("Groups whose members this rule grants.")
        @Size(max = 32)
        private List<@Size(max = 63) @Pattern(Patterns.GROUP) String> groups;

        @JsonPropertyDescription("Clients this rule grants by name: spec.clients[].name, a Client's name in the"
                + " connector's namespace, or namespace/name for a Client in another namespace.")
        @Size(max = 64)
        private List<@Size(max = 317) String> clients;

        @JsonPropertyDescription("Domains granted: each one of spec.domains, or a name or wildcard under one of its"
                + " wildcards.")
        @Size(max = 64)
        private List<@Size(max = 253) String> domains;

        @JsonPropertyDescription("Routes granted: CIDRs inside spec.routes, and IPSets that spec.routes.ipSets"
                + " names.")
        private AccessRoutes routes;

        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
        public List<String> getGroups() { return groups; }
        public void setGroups(List<String> groups) { this.groups = groups; }
        public List<String> getClients() { return clients; }
        public void setClients(List<String> clients) { this.clients = clients; }
        public List<String> getDomains() { return domains; }
        public void setDomains(List<String> domains) { this.domains = domains; }
        public AccessRoutes getRoutes() { return routes; }
        public void setRoutes(AccessRoutes routes) { this.routes = routes; }
    }

    /** The routes one access rule grants: a part of spec.routes (smaller bounds than spec.routes, per rule). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class AccessRoutes {
        @JsonPropertyDescription("CIDRs granted, each inside spec.routes (its CIDRs and IPSets together).")
        @Size(max = 64)
        @ValidationRule(value = "self.all(x, " + Patterns.CEL_IS_CIDR + ")",
                messageExpression = "'not a CIDR: ' + self.filter(x, !" + Patterns.CEL_IS_CIDR + ")[0]")
        private List<@Size(max = 43) String> cidrs;

        @JsonPropertyDescription("IPSets granted whole; each must be one that spec.routes.ipSets names.")
        @Size(max = 16)
        private List<ObjectReference> ipSets;

        public List<String> getCidrs() { return cidrs; }
        public void setCidrs(List<String> cidrs) { this.cidrs = cidrs; }
        public List<ObjectReference> getIpSets() { return ipSets; }
        public void setIpSets(List<ObjectReference> ipSets) { this.ipSets = ipSets; }
    }

    /** {@code spec.tunnel}: the connector's WireGuard interface and the pool of synthetic app addresses. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class WireGuardInterface {
        @Default("100.96.0.1/24")
        @Size(max = 43)
        @ValidationRule(value = "isCIDR(self)", messageExpression = "'not an address/prefix: ' + self")
        @JsonPropertyDescription("The connector's address in the tunnel with the tunnel's prefix, e.g."
                + " 100.96.0.1/24. Clients send DNS here.")
        private String address = "100.96.0.1/24";

        @Min(1)
        @Max(65535)
        @Default("51820")
        @JsonPropertyDescription("UDP port of the WireGuard listener.")
        private Integer listenPort = 51820;

        @Min(1280)
        @Max(9000)
        @Default("1420")
        @JsonPropertyDescription("Tunnel MTU; TCP MSS is derived from it.")
        private Integer mtu = 1420;

        @Default("100.80.0.0/12")
        @Size(max = 43)
        @ValidationRule(value = "isCIDR(self) && cidr(self).ip().family() == 4 && cidr(self).prefixLength() <= 30",
                messageExpression = "!isCIDR(self) ? 'not a CIDR: ' + self : 'must be an IPv4 range of at least a"
                        + " /30 (the pool of synthetic app addresses, e.g. 100.80.0.0/12), got ' + self")
        @JsonPropertyDescription("Pool of synthetic addresses handed out by the connector's DNS for app names"
                + " (IPv4, at least a /30).")
        private String appRange = "100.80.0.0/12";

        public String getAddress() { return address; }
        public void setAddress(String address) { this.address = address; }
        public Integer getListenPort() { return listenPort; }
        public void setListenPort(Integer listenPort) { this.listenPort = listenPort; }
        public Integer getMtu() { return mtu; }
        public void setMtu(Integer mtu) { this.mtu = mtu; }
        public String getAppRange() { return appRange; }
        public void setAppRange(String appRange) { this.appRange = appRange; }
    }

    /** The Service that exposes the WireGuard UDP port. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class ServiceSpec {
        /** Kubernetes Service types the connector can be exposed with. */
        public enum Type { LoadBalancer, NodePort, ClusterIP }

        @Default("LoadBalancer")
        @JsonPropertyDescription("Service type: LoadBalancer (default), NodePort or ClusterIP.")
        private Type type = Type.LoadBalancer;

        @JsonPropertyDescription("Annotations for the Service, e.g. to request a network load balancer.")
        private Map<String, String> annotations = new LinkedHashMap<>();

        public Type getType() { return type; }
        public void setType(Type type) { this.type = type; }
        public Map<String, String> getAnnotations() { return annotations; }
        public void setAnnotations(Map<String, String> annotations) { this.annotations = annotations; }
    }

    /** Where traffic leaves the cluster, and how that is checked. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(value = "(has(self.natGateway) && has(self.natGateway.nodeSelector)"
            + " && size(self.natGateway.nodeSelector) > 0)"
            + " || (has(self.natGateway) && has(self.natGateway.anyNode) && self.natGateway.anyNode)",
            message = "natGateway.nodeSelector is empty: connector pods would run on any node and leave through an"
                    + " address the app may not allow. Name the NAT-gateway nodes' labels, or opt out explicitly"
                    + " with natGateway.anyNode: true (which requires verify)", fieldPath = ".natGateway")
    @ValidationRule(value = "!(has(self.natGateway) && has(self.natGateway.anyNode) && self.natGateway.anyNode)"
            + " || has(self.verify)",
            message = "natGateway.anyNode: true requires verify: without node affinity only the egress check can"
                    + " show that traffic leaves through elasticIP", fieldPath = ".natGateway.anyNode")
    public static class Egress {
        @Required
        @Size(max = 39)
        @ValidationRule(value = "isIP(self)", messageExpression = "'not an IP address: ' + self")
        @JsonPropertyDescription("The reserved (elastic) IP of the NAT gateway: the address the vendor allowlists.")
        private String elasticIP;

        @JsonPropertyDescription("The nodes whose egress leaves through the NAT gateway.")
        private NatGateway natGateway = new NatGateway();

        @JsonPropertyDescription("How the connector checks that its egress really is elasticIP.")
        private Verify verify;

        public String getElasticIP() { return elasticIP; }
        public void setElasticIP(String elasticIP) { this.elasticIP = elasticIP; }
        public NatGateway getNatGateway() { return natGateway; }
        public void setNatGateway(NatGateway natGateway) { this.natGateway = natGateway; }
        public Verify getVerify() { return verify; }
        public void setVerify(Verify verify) { this.verify = verify; }
    }

    /** Node selection for the NAT gateway node pool. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class NatGateway {
        @JsonPropertyDescription("Labels of the NAT-gateway nodes; becomes a required node affinity. Required"
                + " (non-empty) unless anyNode is true.")
        @Size(max = 32)
        private Map<String, String> nodeSelector = new LinkedHashMap<>();

        @JsonPropertyDescription("Explicit opt-out of node affinity: pods may run on any node. Only for clusters"
                + " whose every node leaves through the NAT gateway; requires egress.verify, so EgressVerified"
                + " shows the address the pods really leave through.")
        private Boolean anyNode;

        @JsonPropertyDescription("Tolerations for the NAT-gateway nodes' taints.")
        @SchemaFrom(type = TolerationSchema[].class)
        @io.fabric8.generator.annotation.Size(max = 32)
        private List<Toleration> tolerations = new ArrayList<>();

        public Boolean getAnyNode() { return anyNode; }
        public void setAnyNode(Boolean anyNode) { this.anyNode = anyNode; }
        public Map<String, String> getNodeSelector() { return nodeSelector; }
        public void setNodeSelector(Map<String, String> nodeSelector) { this.nodeSelector = nodeSelector; }
        public List<Toleration> getTolerations() { return tolerations; }
        public void setTolerations(List<Toleration> tolerations) { this.tolerations = tolerations; }
    }

    /** Egress verification: the connector fetches url and compares the body with elasticIP. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Verify {
        @Required
        @Size(max = 2048)
        @ValidationRule(value = "self.matches('" + Patterns.HTTP_URL + "')",
                messageExpression = "'not an http:// or https:// URL with a host: ' + self")
        @JsonPropertyDescription("A URL whose body is the caller's public IP (plain text), e.g. a checkip service."
                + " Link-local, metadata and cluster-internal hosts are refused unless the operator allows them"
                + " (pinhole.operator.verify-url-allow-internal).")
        private String url;

        @Default("true")
        @JsonPropertyDescription("When true, the connector forwards nothing until its observed egress IP equals"
                + " elasticIP (fail closed).")
        private Boolean enforce = true;

        public String getUrl() { return url; }
        public void setUrl(String url) { this.url = url; }
        public Boolean getEnforce() { return enforce; }
        public void setEnforce(Boolean enforce) { this.enforce = enforce; }
    }

    /** DNS served to clients. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Dns {
        @JsonPropertyDescription("Upstream resolvers (IP addresses). Empty: the pod's resolv.conf.")
        @Size(max = 8)
        @ValidationRule(value = "self.all(x, " + Patterns.CEL_IS_IP + ")",
                messageExpression = "'not an IP address: ' + self.filter(x, !" + Patterns.CEL_IS_IP + ")[0]")
        private List<@Size(max = 39) String> upstream = new ArrayList<>();

        public List<String> getUpstream() { return upstream; }
        public void setUpstream(List<String> upstream) { this.upstream = upstream; }
    }
}
