package dev.pinhole.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pinhole.connector.PolicyDropReason;
import dev.pinhole.dns.resolver.DnsDropReason;
import dev.pinhole.dns.resolver.RefusalReason;
import dev.pinhole.nat.NatDropReason;
import dev.pinhole.operator.ConditionTypes;
import dev.pinhole.operator.OperatorSettings;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The operations and troubleshooting docs name everything the code can be configured with or can report: every
 * operator setting, every chart value, every condition reason and every drop reason. A new one fails here until
 * it is documented.
 */
class OperationsDocsTest {
    private static final Path OPERATIONS = RepoLayout.ROOT.resolve("docs/operations.md");
    private static final Path TROUBLESHOOTING = RepoLayout.ROOT.resolve("docs/troubleshooting.md");
    /** Drop reasons counted from other layers' own counters (DataPlane.registerMeters, DataPlaneMetrics). */
    private static final Set<String> EXTRA_DROP_REASONS = Set.of("wireguard", "malformed_packet", "dns_pool_exhausted");

    /** Every `code span` of a Markdown file. */
    private static Set<String> codeSpans(Path doc) throws IOException {
        Set<String> spans = new TreeSet<>();
        Matcher m = Pattern.compile("`([^`\\n]+)`").matcher(Files.readString(doc));
        while (m.find()) {
            spans.add(m.group(1));
        }
        return spans;
    }

    static List<String> settingNames(Class<?> mapping, String prefix) {
        List<String> names = new ArrayList<>();
        for (Method method : mapping.getDeclaredMethods()) {
            if (method.getParameterCount() != 0 || method.isSynthetic() || Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            String name = prefix + "." + kebab(method.getName());
            if (method.getReturnType().isInterface() && method.getReturnType().getEnclosingClass() == OperatorSettings.class) {
                names.addAll(settingNames(method.getReturnType(), name));
            } else {
                names.add(name);
            }
        }
        return names;
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    private static void leaves(JsonNode node, String path, List<String> out) {
        if (node.isObject() && !node.isEmpty()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                leaves(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey(), out);
            }
        } else {
            out.add(path);
        }
    }

    @Test
    void everyOperatorSettingIsDocumented() throws IOException {
        List<String> settings = settingNames(OperatorSettings.class, "pinhole");
        assertThat(settings).contains("pinhole.operator.recheck-seconds", "pinhole.leader-election.lease-namespace");

        assertThat(codeSpans(OPERATIONS)).containsAll(settings);
    }

    @Test
    void everyChartValueIsDocumented() throws IOException {
        List<String> values = new ArrayList<>();
        leaves(Manifests.YAML.readTree(RepoLayout.CHART.resolve("values.yaml").toFile()), "", values);
        Set<String> spans = codeSpans(OPERATIONS);

        // A value counts as documented when it, or a map holding it (resources, securityContext...), is named.
        List<String> undocumented = values.stream().filter(v -> {
            for (String p = v; ; p = p.substring(0, p.lastIndexOf('.'))) {
                if (spans.contains(p)) {
                    return false;
                }
                if (!p.contains(".")) {
                    return true;
                }
            }
        }).toList();
        assertThat(values).hasSizeGreaterThan(20);
        assertThat(undocumented).isEmpty();
    }

    @Test
    void everyConditionReasonIsExplained() throws Exception {
        Set<String> reasons = new TreeSet<>();
        for (Field f : ConditionTypes.Reason.class.getFields()) {
            reasons.add((String) f.get(null));
        }

        assertThat(codeSpans(TROUBLESHOOTING)).containsAll(reasons);
    }

    @Test
    void everyDropAndRefusalReasonIsExplained() throws IOException {
        Set<String> reasons = new TreeSet<>(EXTRA_DROP_REASONS);
        for (Enum<?> e : PolicyDropReason.values()) {
            reasons.add(e.name().toLowerCase(Locale.ROOT));
        }
        for (Enum<?> e : NatDropReason.values()) {
            reasons.add(e.name().toLowerCase(Locale.ROOT));
        }
        for (Enum<?> e : DnsDropReason.values()) {
            reasons.add("dns_" + e.name().toLowerCase(Locale.ROOT));
        }
        for (Enum<?> e : RefusalReason.values()) {
            reasons.add(e.name().toLowerCase(Locale.ROOT));
        }

        assertThat(codeSpans(TROUBLESHOOTING)).containsAll(reasons);
    }
}
