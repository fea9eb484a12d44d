package dev.pinhole.e2e;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One edit of a manifest as a user would type it: set a value (of any JSON type, so wrong types can be written too)
 * or remove a field, at a dotted path with list indexes ({@code spec.clients[0].publicKey}). Missing maps and list
 * slots on the way are created, so an edit can add what the good manifest lacks.
 */
record ManifestEdit(String description, Consumer<Map<String, Object>> edit) {

    static ManifestEdit set(String path, Object value) {
        return new ManifestEdit(path + " = " + Serialization.asJson(value), root -> put(root, path, value));
    }

    static ManifestEdit remove(String path) {
        return new ManifestEdit("remove " + path, root -> put(root, path, REMOVE));
    }

    /** Applies the edits to a deep copy of {@code good}, as a resource to send. */
    static GenericKubernetesResource apply(Object good, List<ManifestEdit> edits) {
        @SuppressWarnings("unchecked")
        Map<String, Object> root = Serialization.jsonMapper().convertValue(good, LinkedHashMap.class);
        for (ManifestEdit e : edits) {
            e.edit().accept(root);
        }
        return Serialization.jsonMapper().convertValue(root, GenericKubernetesResource.class);
    }

    private static final Object REMOVE = new Object();

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> root, String path, Object value) {
        String[] parts = path.split("\\.");
        Object node = root;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            boolean last = i == parts.length - 1;
            String key = part.contains("[") ? part.substring(0, part.indexOf('[')) : part;
            Map<String, Object> map = (Map<String, Object>) node;
            if (!part.contains("[")) {
                if (last) {
                    if (value == REMOVE) {
                        map.remove(key);
                    } else {
                        map.put(key, value);
                    }
                    return;
                }
                node = map.computeIfAbsent(key, k -> new LinkedHashMap<String, Object>());
                continue;
            }
            int index = Integer.parseInt(part.substring(part.indexOf('[') + 1, part.indexOf(']')));
            List<Object> list = (List<Object>) map.computeIfAbsent(key, k -> new ArrayList<>());
            while (list.size() <= index) {
                list.add(new LinkedHashMap<String, Object>());
            }
            if (last) {
                if (value == REMOVE) {
                    list.remove(index);
                } else {
                    list.set(index, value);
                }
                return;
            }
            node = list.get(index);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
