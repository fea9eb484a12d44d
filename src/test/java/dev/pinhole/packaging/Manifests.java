package dev.pinhole.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Kubernetes objects parsed from multi-document YAML (helm template, kustomize build, a manifest file). */
record Manifests(List<JsonNode> objects) {

    static final YAMLMapper YAML = new YAMLMapper();

    static Manifests parse(String yaml) {
        List<JsonNode> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                // Documents holding only comments (a template that rendered nothing) parse as empty.
                if (doc != null && doc.isObject() && !doc.isEmpty()) {
                    objects.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("not valid YAML:\n" + yaml, e);
        }
        return new Manifests(List.copyOf(objects));
    }

    static Manifests read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    Optional<JsonNode> find(String kind, String namespace, String name) {
        return ofKind(kind).stream()
                .filter(o -> name.equals(o.path("metadata").path("name").asText()))
                .filter(o -> namespace == null || namespace.equals(o.path("metadata").path("namespace").asText()))
                .findFirst();
    }

    JsonNode get(String kind, String namespace, String name) {
        return find(kind, namespace, name).orElseThrow(() -> new AssertionError(
                "no " + kind + " " + (namespace == null ? "" : namespace + "/") + name + " among " + identities()));
    }

    /** kind namespace/name of every object, for failure messages and set comparisons. */
    List<String> identities() {
        return objects.stream().map(Manifests::identity).sorted().toList();
    }

    static String identity(JsonNode o) {
        JsonNode meta = o.path("metadata");
        String ns = meta.path("namespace").asText("");
        return o.path("kind").asText() + " " + (ns.isEmpty() ? "" : ns + "/") + meta.path("name").asText();
    }
}
