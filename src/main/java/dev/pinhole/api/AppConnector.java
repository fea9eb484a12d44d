package dev.pinhole.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A WireGuard gateway that carries its clients' traffic to apps through one reserved egress IP. */
@Group(AppConnector.GROUP)
@Version(AppConnector.VERSION)
@ShortNames("apc")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Endpoint", jsonPath = ".status.endpoints[0]")
@AdditionalPrinterColumn(name = "Egress IP", jsonPath = ".spec.egress.elasticIP")
@AdditionalPrinterColumn(name = "Replicas", jsonPath = ".status.readyReplicas",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Public Key", jsonPath = ".status.publicKey", priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = Patterns.CEL_CONNECTOR_NAME,
        messageExpression = "'AppConnector name ' + self.metadata.name + ' cannot name its Service and label: expected"
                + " at most 63 lower-case letters, digits and \\'-\\', starting with a letter, without dots'")
public class AppConnector extends CustomResource<AppConnectorSpec, AppConnectorStatus> implements Namespaced {
    public static final String GROUP = "pinhole.dev";
    public static final String VERSION = "v1alpha1";
}
