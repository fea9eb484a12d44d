package dev.pinhole.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test that needs root and network namespaces (tier 3). Skipped when not root, unless
 * {@code PINHOLE_REQUIRE_ROOT_TIERS=1} (set by {@code .ci/run}), where a missing prerequisite fails instead.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("netns")
@ExtendWith(RootTierCondition.class)
public @interface RootTier {
    /** Executables that must be on PATH, e.g. "wireguard-go", "nginx". */
    String[] requires() default {};
}
