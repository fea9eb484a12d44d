package dev.pinhole.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** One RBAC grant: a verb on a resource of an API group. Rules compare as sets of these, however they are grouped. */
record Permission(String apiGroup, String resource, String verb) {

    static Set<Permission> grant(String apiGroup, List<String> resources, List<String> verbs) {
        Set<Permission> grants = new LinkedHashSet<>();
        for (String resource : resources) {
            for (String verb : verbs) {
                grants.add(new Permission(apiGroup, resource, verb));
            }
        }
        return grants;
    }

    /** Expands the rules of a Role or ClusterRole; refuses what a least-privilege role must not use. */
    static Set<Permission> ofRole(JsonNode role) {
        Set<Permission> grants = new LinkedHashSet<>();
        for (JsonNode rule : role.path("rules")) {
            if (rule.has("resourceNames") || rule.has("nonResourceURLs")) {
                throw new AssertionError("unexpected resourceNames/nonResourceURLs in " + Manifests.identity(role));
            }
            for (JsonNode group : rule.path("apiGroups")) {
                for (JsonNode resource : rule.path("resources")) {
                    for (JsonNode verb : rule.path("verbs")) {
                        grants.add(new Permission(group.asText(), resource.asText(), verb.asText()));
                    }
                }
            }
        }
        return grants;
    }

    static Set<Permission> ofRoles(Collection<JsonNode> roles) {
        Set<Permission> grants = new LinkedHashSet<>();
        roles.forEach(role -> grants.addAll(ofRole(role)));
        return grants;
    }

    boolean usesWildcard() {
        return "*".equals(apiGroup) || "*".equals(resource) || "*".equals(verb);
    }
}
