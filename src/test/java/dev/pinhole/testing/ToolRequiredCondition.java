package dev.pinhole.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Decides whether a {@link ToolRequired} test can run; in CI a missing tool is an error, not a skip. */
public final class ToolRequiredCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<ToolRequired> required = context.getElement()
                .flatMap(e -> AnnotationSupport.findAnnotation(e, ToolRequired.class));
        if (required.isEmpty()) {
            return ConditionEvaluationResult.enabled("no tool required");
        }
        List<String> missing = new ArrayList<>();
        for (String tool : required.get().value()) {
            if (!RootTierCondition.onPath(tool)) {
                missing.add(tool);
            }
        }
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("tools present");
        }
        String hint = required.get().installHint().isEmpty() ? ""
                : " (apt-get install -y " + required.get().installHint() + ")";
        String why = "needs " + String.join(", ", missing) + " on PATH" + hint;
        if ("1".equals(System.getenv("PINHOLE_REQUIRE_ROOT_TIERS"))) {
            throw new ExtensionConfigurationException(why + " (PINHOLE_REQUIRE_ROOT_TIERS=1)");
        }
        // Surefire only counts skips; say why on the console so a skipped test is never silent.
        System.err.println("SKIPPED " + context.getDisplayName() + ": " + why);
        return ConditionEvaluationResult.disabled(why);
    }
}
