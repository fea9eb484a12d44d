package dev.pinhole.testing;

import dev.pinhole.wireguard.udp.UdpDeviceDriver;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Decides whether a {@link BatchedUdp} test can run; with {@code PINHOLE_REQUIRE_BATCHED_UDP=1} it must. */
public final class BatchedUdpCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (context.getElement().flatMap(e -> AnnotationSupport.findAnnotation(e, BatchedUdp.class)).isEmpty()) {
            return ConditionEvaluationResult.enabled("not a batched UDP test");
        }
        Optional<String> why = UdpDeviceDriver.batchedIoUnavailable();
        if (why.isEmpty()) {
            return ConditionEvaluationResult.enabled("batched UDP I/O available");
        }
        if ("1".equals(System.getenv("PINHOLE_REQUIRE_BATCHED_UDP"))) {
            throw new ExtensionConfigurationException(why.get() + " (PINHOLE_REQUIRE_BATCHED_UDP=1)");
        }
        System.err.println("SKIPPED " + context.getDisplayName() + ": " + why.get()
                + " (the JDK 25 pass of .ci/run runs it)");
        return ConditionEvaluationResult.disabled(why.get());
    }
}
