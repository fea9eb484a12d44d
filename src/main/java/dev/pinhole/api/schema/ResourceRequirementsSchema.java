package dev.pinhole.api.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;

/** Schema of a core/v1 ResourceRequirements, with the field descriptions Kubernetes gives them. */
public final class ResourceRequirementsSchema {
    @JsonPropertyDescription("Most compute resources the container may use, e.g. cpu: 500m, memory: 256Mi.")
    @Size(max = 8)
    @ValidationRule(value = QUANTITIES, messageExpression = QUANTITIES_MESSAGE)
    public Map<String, Quantity> limits;

    @JsonPropertyDescription("Compute resources the scheduler reserves for the container; defaults to limits when"
            + " omitted.")
    @Size(max = 8)
    @ValidationRule(value = QUANTITIES, messageExpression = QUANTITIES_MESSAGE)
    public Map<String, Quantity> requests;

    @JsonPropertyDescription("Dynamic resource claims of the pod the container uses (DynamicResourceAllocation).")
    public List<Claim> claims;

    /** CEL (Kubernetes quantity library): every value is a quantity, as the Deployment will require. */
    static final String QUANTITIES = "self.all(k, isQuantity(string(self[k])))";
    static final String QUANTITIES_MESSAGE = "'not a quantity such as 500m, 2 or 256Mi: the value of ' + self.filter(k,"
            + " !isQuantity(string(self[k])))[0]";

    private ResourceRequirementsSchema() {
    }

    /** Schema of a core/v1 ResourceClaim reference. */
    public static final class Claim {
        @JsonPropertyDescription("Name of an entry of the pod's spec.resourceClaims.")
        public String name;

        @JsonPropertyDescription("Name of a request in that claim; empty makes the whole claim available.")
        public String request;

        private Claim() {
        }
    }
}
