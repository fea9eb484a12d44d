package dev.pinhole.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pinhole.api.schema.ConditionSchema;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Observed state of an AppConnector: readiness, how to reach it, and what it egresses as. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AppConnectorStatus implements HasConditions {
    @JsonPropertyDescription("The generation of the spec this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready, Progressing, Degraded, EgressVerified and ConfigApplied (whether the pods run"
            + " the config last rendered: InForce, ConfigWaiting, ConfigStale, ConfigRefused) conditions.")
    @SchemaFrom(type = ConditionSchema[].class)
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("The connector's WireGuard public key: the [Peer] PublicKey of every client config.")
    private String publicKey;

    @JsonPropertyDescription("host:port endpoints clients can use (load balancer ingress, or node addresses and"
            + " the node port).")
    private List<String> endpoints = new ArrayList<>();

    @JsonPropertyDescription("Egress IPs apps see from this connector (the verified or declared elastic IP).")
    private List<String> egressIPs = new ArrayList<>();

    @JsonPropertyDescription("Connector pods that are ready.")
    private Integer readyReplicas;

    @JsonPropertyDescription("Flows being carried, summed over the connector pods (reported by the data plane).")
    private Long activeFlows;

    @JsonPropertyDescription("App names with a synthetic address, summed over the connector pods.")
    private Long mappedNames;

    @JsonPropertyDescription("ConfigMap holding one rendered wg-quick config per client (without private keys).")
    private String clientConfigMap;

    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    @Override
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
    public String getPublicKey() { return publicKey; }
    public void setPublicKey(String publicKey) { this.publicKey = publicKey; }
    public List<String> getEndpoints() { return endpoints; }
    public void setEndpoints(List<String> endpoints) { this.endpoints = endpoints; }
    public List<String> getEgressIPs() { return egressIPs; }
    public void setEgressIPs(List<String> egressIPs) { this.egressIPs = egressIPs; }
    public Integer getReadyReplicas() { return readyReplicas; }
    public void setReadyReplicas(Integer readyReplicas) { this.readyReplicas = readyReplicas; }
    public Long getActiveFlows() { return activeFlows; }
    public void setActiveFlows(Long activeFlows) { this.activeFlows = activeFlows; }
    public Long getMappedNames() { return mappedNames; }
    public void setMappedNames(Long mappedNames) { this.mappedNames = mappedNames; }
    public String getClientConfigMap() { return clientConfigMap; }
    public void setClientConfigMap(String clientConfigMap) { this.clientConfigMap = clientConfigMap; }

    @Override
    public boolean equals(Object o) {
        return o instanceof AppConnectorStatus s
                && Objects.equals(observedGeneration, s.observedGeneration)
                && Objects.equals(conditions, s.conditions)
                && Objects.equals(publicKey, s.publicKey)
                && Objects.equals(endpoints, s.endpoints)
                && Objects.equals(egressIPs, s.egressIPs)
                && Objects.equals(readyReplicas, s.readyReplicas)
                && Objects.equals(activeFlows, s.activeFlows)
                && Objects.equals(mappedNames, s.mappedNames)
                && Objects.equals(clientConfigMap, s.clientConfigMap);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, conditions, publicKey, endpoints, egressIPs, readyReplicas);
    }
}
