package dev.pinhole.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test written from the attacker's or the careless user's side of a boundary (docs/security.md lists
 * them). They run with every tier; {@code ./mvnw test -Dtest.groups=adversarial} runs them alone (add
 * {@code -Dtest.excludedGroups=bench} to include the cluster ones, which are also tagged e2e).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("adversarial")
public @interface Adversarial {}
