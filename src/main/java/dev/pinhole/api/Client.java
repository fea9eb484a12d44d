package dev.pinhole.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One WireGuard device registered by its user (or their onboarding automation) in their own namespace; the
 * AppConnectors whose clientSources select it admit it and write its address and rendered config into its status.
 */
@Group(AppConnector.GROUP)
@Version(AppConnector.VERSION)
@ShortNames("phclient")
@AdditionalPrinterColumn(name = "Admitted", jsonPath = ".status.conditions[?(@.type==\"Admitted\")].status")
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Admitted\")].reason")
@AdditionalPrinterColumn(name = "Address", jsonPath = ".status.connectors[0].address")
@AdditionalPrinterColumn(name = "Connector", jsonPath = ".status.connectors[0].name")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class Client extends CustomResource<ClientSpec, ClientStatus> implements Namespaced {
}
