package dev.pinhole.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test that needs executables on PATH but no root (e.g. an interpreter). Skipped with a {@code SKIPPED}
 * line on the console when one is missing, unless {@code PINHOLE_REQUIRE_ROOT_TIERS=1} (set by {@code .ci/run},
 * which installs them), where a missing tool fails instead.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ToolRequiredCondition.class)
public @interface ToolRequired {
    /** Executables that must be on PATH, e.g. "lua5.1". */
    String[] value();

    /** The apt package(s) that provide them, named in the skip message. */
    String installHint() default "";
}
