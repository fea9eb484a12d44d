package dev.pinhole.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks a manifest against the OpenAPI v3 schema of a CRD version, as the API server's structural pruning and
 * basic validation would: unknown fields, types, enums, patterns and required fields. CEL rules are not evaluated.
 */
record CrdSchema(JsonNode openApiV3) {

    static CrdSchema of(JsonNode crd, String version) {
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (version.equals(v.path("name").asText())) {
                return new CrdSchema(v.path("schema").path("openAPIV3Schema"));
            }
        }
        throw new AssertionError("CRD " + crd.path("metadata").path("name").asText() + " has no version " + version);
    }

    /** Problems found in the object's spec, each naming the field path; empty when valid. */
    List<String> problems(JsonNode object) {
        List<String> problems = new ArrayList<>();
        check(object.path("spec"), openApiV3.path("properties").path("spec"), "spec", problems);
        return problems;
    }

    private static void check(JsonNode value, JsonNode schema, String path, List<String> problems) {
        if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
                || schema.path("x-kubernetes-int-or-string").asBoolean(false) || schema.has("anyOf")) {
            return;
        }
        String type = schema.path("type").asText("");
        switch (type) {
            case "object" -> checkObject(value, schema, path, problems);
            case "array" -> {
                if (!value.isArray()) {
                    problems.add(path + ": expected an array");
                    return;
                }
                for (int i = 0; i < value.size(); i++) {
                    check(value.get(i), schema.path("items"), path + "[" + i + "]", problems);
                }
            }
            case "string" -> {
                if (!value.isTextual()) {
                    problems.add(path + ": expected a string");
                    return;
                }
                checkString(value.asText(), schema, path, problems);
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    problems.add(path + ": expected an integer");
                }
            }
            case "number" -> {
                if (!value.isNumber()) {
                    problems.add(path + ": expected a number");
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    problems.add(path + ": expected a boolean");
                }
            }
            default -> {
                // No type: nothing more to check.
            }
        }
    }

    private static void checkObject(JsonNode value, JsonNode schema, String path, List<String> problems) {
        if (!value.isObject()) {
            problems.add(path + ": expected an object");
            return;
        }
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.path("additionalProperties");
        for (Map.Entry<String, JsonNode> field : iterable(value)) {
            String fieldPath = path + "." + field.getKey();
            if (properties.has(field.getKey())) {
                check(field.getValue(), properties.path(field.getKey()), fieldPath, problems);
            } else if (additional.isObject()) {
                check(field.getValue(), additional, fieldPath, problems);
            } else if (!additional.asBoolean(false)) {
                problems.add(fieldPath + ": unknown field (the API server would drop it)");
            }
        }
        for (JsonNode required : schema.path("required")) {
            if (!value.has(required.asText())) {
                problems.add(path + "." + required.asText() + ": required");
            }
        }
    }

    private static void checkString(String text, JsonNode schema, String path, List<String> problems) {
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode option : schema.path("enum")) {
                listed |= option.asText().equals(text);
            }
            if (!listed) {
                problems.add(path + ": '" + text + "' not one of " + schema.path("enum"));
            }
        }
        if (schema.has("pattern")) {
            try {
                if (!Pattern.compile(schema.path("pattern").asText()).matcher(text).find()) {
                    problems.add(path + ": '" + text + "' does not match " + schema.path("pattern").asText());
                }
            } catch (PatternSyntaxException e) {
                // An ECMA-only construct that java.util.regex cannot read: the API server still checks it.
            }
        }
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode object) {
        return object::fields;
    }
}
