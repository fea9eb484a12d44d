package dev.pinhole.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Decides whether a {@link RequiresTools} test can run; in CI a missing tool is an error, not a skip. */
public final class RequiresToolsCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<RequiresTools> tools = context.getElement()
                .flatMap(e -> AnnotationSupport.findAnnotation(e, RequiresTools.class));
        if (tools.isEmpty()) {
            return ConditionEvaluationResult.enabled("no tools required");
        }
        List<String> missing = new ArrayList<>();
        for (String tool : tools.get().value()) {
            // "promtool (apt: prometheus)": the executable is the first word, the rest says how to get it.
            String executable = tool.split("\\s+", 2)[0];
            if (!RootTierCondition.onPath(executable)) {
                missing.add(tool);
            }
        }
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("tools present");
        }
        String why = "needs " + String.join(", ", missing) + " on PATH";
        if ("1".equals(System.getenv("PINHOLE_REQUIRE_TOOLS"))
                || "1".equals(System.getenv("PINHOLE_REQUIRE_ROOT_TIERS"))) {
            throw new ExtensionConfigurationException(why + " (CI requires every tool: .ci/install-deps)");
        }
        System.err.println("SKIPPED " + context.getDisplayName() + ": " + why);
        return ConditionEvaluationResult.disabled(why);
    }
}
