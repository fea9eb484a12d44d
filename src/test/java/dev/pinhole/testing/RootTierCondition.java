package dev.pinhole.testing;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Decides whether a {@link RootTier} test can run; in CI a missing prerequisite is an error, not a skip. */
public final class RootTierCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<RootTier> tier = context.getElement()
                .flatMap(e -> AnnotationSupport.findAnnotation(e, RootTier.class));
        if (tier.isEmpty()) {
            return ConditionEvaluationResult.enabled("no root tier");
        }
        List<String> missing = new ArrayList<>();
        if (!isRoot()) {
            missing.add("root (uid 0)");
        }
        if (!new File("/dev/net/tun").exists()) {
            missing.add("/dev/net/tun");
        }
        for (String tool : concat(tier.get().requires(), "ip")) {
            if (!onPath(tool)) {
                missing.add(tool + " on PATH");
            }
        }
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("root tier prerequisites present");
        }
        String why = "root tier needs " + String.join(", ", missing);
        if ("1".equals(System.getenv("PINHOLE_REQUIRE_ROOT_TIERS"))) {
            throw new ExtensionConfigurationException(why + " (PINHOLE_REQUIRE_ROOT_TIERS=1)");
        }
        // Surefire only counts skips; say why on the console so a skipped tier is never silent.
        System.err.println("SKIPPED " + context.getDisplayName() + ": " + why
                + " (run as root via .ci/run, which installs the tools)");
        return ConditionEvaluationResult.disabled(why);
    }

    private static String[] concat(String[] tools, String extra) {
        String[] all = java.util.Arrays.copyOf(tools, tools.length + 1);
        all[tools.length] = extra;
        return all;
    }

    static boolean isRoot() {
        try {
            Object uid = java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
            return Integer.valueOf(0).equals(uid);
        } catch (Exception e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && new File(dir, tool).canExecute()) {
                return true;
            }
        }
        return false;
    }
}
