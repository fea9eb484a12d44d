package dev.pinhole.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test that runs an external tool (e.g. promtool). Skipped, with a SKIPPED line on the console, when a tool is
 * not on PATH; in CI ({@code PINHOLE_REQUIRE_TOOLS=1} or {@code PINHOLE_REQUIRE_ROOT_TIERS=1}) a missing tool fails.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresToolsCondition.class)
public @interface RequiresTools {
    /** Executables that must be on PATH, with the package that installs each: "promtool (apt: prometheus)". */
    String[] value();
}
