package dev.pinhole.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds fields the Kubernetes API does not define (a typo such as readOnlyRootFileSystem is silently dropped by the
 * API server): each object is read into its Fabric8 model class, which keeps unknown fields in additionalProperties.
 */
final class KnownFields {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private KnownFields() {
    }

    /** Unknown field paths of every object whose kind Fabric8 models; kinds it does not model are skipped. */
    static List<String> unknownFields(Manifests manifests) {
        List<String> unknown = new ArrayList<>();
        for (JsonNode object : manifests.objects()) {
            KubernetesResource typed = SERIALIZATION.unmarshal(object.toString());
            if (!(typed instanceof GenericKubernetesResource)) {
                walk(typed, Manifests.identity(object), unknown, new IdentityHashMap<>());
            }
        }
        return unknown;
    }

    private static void walk(Object value, String path, List<String> unknown, Map<Object, Boolean> seen) {
        if (value == null || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                walk(item, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, path + "." + k, unknown, seen));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Class<?> type = value.getClass(); type != Object.class; type = type.getSuperclass()) {
            for (Field field : type.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers())) {
                    continue;
                }
                field.setAccessible(true);
                Object fieldValue;
                try {
                    fieldValue = field.get(value);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
                if (field.getName().equals("additionalProperties") && fieldValue instanceof Map<?, ?> extra) {
                    extra.keySet().forEach(key -> unknown.add(path + "." + key));
                } else {
                    walk(fieldValue, path + "." + field.getName(), unknown, seen);
                }
            }
        }
    }
}
