package dev.pinhole.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test of the batched UDP path ({@code recvmmsg}/{@code sendmmsg}, JDK 22+ on Linux, built on 22+). Skipped
 * where it cannot run, unless {@code PINHOLE_REQUIRE_BATCHED_UDP=1} (the JDK 25 pass of {@code .ci/run}), where
 * that is a failure.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(BatchedUdpCondition.class)
public @interface BatchedUdp {
}
