package dev.pinhole.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The commented examples are valid Pinhole objects that fit together and follow the documented conventions. */
class ExamplesTest {

    private static final Manifests IPSETS = Manifests.read(RepoLayout.EXAMPLES.resolve("ipset.yaml"));
    private static final Manifests CONNECTORS = Manifests.read(RepoLayout.EXAMPLES.resolve("appconnector.yaml"));
    private static final Manifests CLIENTS = Manifests.read(RepoLayout.EXAMPLES.resolve("clients.yaml"));

    private static List<JsonNode> all() {
        List<JsonNode> objects = new ArrayList<>(IPSETS.objects());
        objects.addAll(CONNECTORS.objects());
        objects.addAll(CLIENTS.objects());
        return objects;
    }

    @Test
    void everyExampleIsANamedPinholeResource() {
        assertThat(IPSETS.ofKind("IPSet")).hasSize(IPSETS.objects().size()).isNotEmpty();
        assertThat(CONNECTORS.ofKind("AppConnector")).hasSize(CONNECTORS.objects().size()).isNotEmpty();
        assertThat(all()).allSatisfy(o -> {
            assertThat(o.path("apiVersion").asText()).isEqualTo("pinhole.dev/v1alpha1");
            assertThat(o.path("metadata").path("name").asText()).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
        });
    }

    @Test
    void clientPublicKeysAreBase64X25519Keys() {
        for (JsonNode connector : CONNECTORS.objects()) {
            JsonNode clients = connector.path("spec").path("clients");
            assertThat(clients).isNotEmpty();
            for (JsonNode client : clients) {
                byte[] key = Base64.getDecoder().decode(client.path("publicKey").asText());
                assertThat(key).as(client.path("name").asText()).hasSize(32);
            }
        }
    }

    @Test
    void theExampleClientIsSelectedByTheExampleSourceWithAGroupItMayClaim() {
        JsonNode source = CLIENTS.ofKind("AppConnector").get(0).path("spec").path("clientSources").get(0);
        JsonNode client = CLIENTS.ofKind("Client").get(0);
        source.path("clientSelector").path("matchLabels").fields().forEachRemaining(l ->
                assertThat(client.path("metadata").path("labels").path(l.getKey())).isEqualTo(l.getValue()));
        List<String> allowed = new ArrayList<>();
        source.path("allowedGroups").forEach(g -> allowed.add(g.asText()));
        client.path("spec").path("groups").forEach(g -> assertThat(allowed).contains(g.asText()));
        assertThat(Base64.getDecoder().decode(client.path("spec").path("publicKey").asText())).hasSize(32);
    }

    @Test
    void connectorsRunOnlyOnTheLabelledNatGatewayNodes() {
        for (JsonNode connector : CONNECTORS.objects()) {
            JsonNode natGateway = connector.path("spec").path("egress").path("natGateway");
            assertThat(natGateway.path("nodeSelector").path("pinhole.dev/egress").asText()).isEqualTo("nat-gateway");
            assertThat(natGateway.path("tolerations")).anySatisfy(t -> {
                assertThat(t.path("key").asText()).isEqualTo("pinhole.dev/egress");
                assertThat(t.path("value").asText()).isEqualTo("nat-gateway");
            });
        }
    }

    @Test
    void referencedIpSetsAreDefinedInTheExamples() {
        Set<String> defined = IPSETS.objects().stream()
                .map(o -> o.path("metadata").path("name").asText()).collect(Collectors.toSet());
        List<String> referenced = new ArrayList<>();
        CONNECTORS.objects().forEach(c -> c.path("spec").path("routes").path("ipSets")
                .forEach(ref -> referenced.add(ref.path("name").asText())));
        IPSETS.objects().forEach(s -> s.path("spec").path("include")
                .forEach(ref -> referenced.add(ref.path("name").asText())));

        assertThat(referenced).isNotEmpty();
        assertThat(defined).containsAll(referenced);
    }

    @Test
    void allowlistSelectsTheExampleConnector() {
        JsonNode selector = IPSETS.get("IPSet", null, "vendor-allowlist").path("spec").path("appConnectors")
                .path("matchLabels");
        JsonNode labels = CONNECTORS.objects().get(0).path("metadata").path("labels");

        assertThat(selector.isEmpty()).isFalse();
        selector.fields().forEachRemaining(l -> assertThat(labels.path(l.getKey())).isEqualTo(l.getValue()));
    }

    @Test
    void clientAddressesAreInTheTunnelSubnetAndAppRangeIsApart() throws IOException {
        for (JsonNode connector : CONNECTORS.objects()) {
            JsonNode tunnel = connector.path("spec").path("tunnel");
            Cidr subnet = Cidr.parse(tunnel.path("address").asText());
            Cidr appRange = Cidr.parse(tunnel.path("appRange").asText());
            assertThat(subnet.overlaps(appRange)).as("tunnel subnet vs appRange").isFalse();
            for (JsonNode client : connector.path("spec").path("clients")) {
                Cidr address = Cidr.parse(client.path("address").asText());
                assertThat(subnet.contains(address)).as(client.path("name").asText()).isTrue();
                assertThat(address.first()).isNotEqualTo(subnet.address());
            }
        }
    }

    @Test
    void examplesUseOnlyFieldsTheCrdsDefine() throws IOException {
        Map<String, CrdSchema> schemas = crdSchemasByKind();
        assumeTrue(!schemas.isEmpty(), "crds/ is not generated yet");

        for (JsonNode example : all()) {
            CrdSchema schema = schemas.get(example.path("kind").asText());
            assertThat(schema).as("a CRD in crds/ for " + Manifests.identity(example)).isNotNull();
            assertThat(schema.problems(example)).as(Manifests.identity(example)).isEmpty();
        }
    }

    private static Map<String, CrdSchema> crdSchemasByKind() throws IOException {
        Map<String, CrdSchema> schemas = new HashMap<>();
        if (!Files.isDirectory(RepoLayout.CRDS)) {
            return schemas;
        }
        try (Stream<Path> files = Files.list(RepoLayout.CRDS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yml")).toList()) {
                for (JsonNode crd : Manifests.read(file).ofKind("CustomResourceDefinition")) {
                    schemas.put(crd.path("spec").path("names").path("kind").asText(), CrdSchema.of(crd, "v1alpha1"));
                }
            }
        }
        return schemas;
    }

    /** An address with a prefix length, as the examples write tunnel addresses and ranges. */
    private record Cidr(BigInteger address, int bits, int prefix) {

        static Cidr parse(String text) throws IOException {
            String[] parts = text.split("/");
            byte[] bytes = InetAddress.getByName(parts[0]).getAddress();
            return new Cidr(new BigInteger(1, bytes), bytes.length * 8, Integer.parseInt(parts[1]));
        }

        BigInteger first() {
            return address.shiftRight(bits - prefix).shiftLeft(bits - prefix);
        }

        BigInteger last() {
            return first().add(BigInteger.ONE.shiftLeft(bits - prefix)).subtract(BigInteger.ONE);
        }

        boolean contains(Cidr other) {
            return bits == other.bits && first().compareTo(other.first()) <= 0 && last().compareTo(other.last()) >= 0;
        }

        boolean overlaps(Cidr other) {
            return bits == other.bits && first().compareTo(other.last()) <= 0 && other.first().compareTo(last()) <= 0;
        }
    }
}
