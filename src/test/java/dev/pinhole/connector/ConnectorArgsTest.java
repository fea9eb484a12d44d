package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The connector's command line: the drain period and the session-recovery switch in particular. */
class ConnectorArgsTest {
    @Test
    void theDrainDefaultsBelowTheGracePeriodTheOperatorRenders() {
        ConnectorArgs args = ConnectorArgs.parse(List.of("--config", "c", "--key", "k"));
        assertThat(args.drain()).isEqualTo(ConnectorArgs.DEFAULT_DRAIN);
        assertThat(ConnectorArgs.DEFAULT_DRAIN.plus(ConnectorArgs.GRACE_MARGIN)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void drainSecondsIsRead() {
        assertThat(ConnectorArgs.parse(List.of("--config", "c", "--key", "k", "--drain-seconds", "0")).drain())
                .isZero();
        assertThat(ConnectorArgs.parse(List.of("--drain-seconds", "45", "--config", "c", "--key", "k")).drain())
                .isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void aNegativeHugeOrMalformedDrainIsRefusedWithItsFlag() {
        for (String bad : List.of("-1", "3601", "99999999999999999999", "1.5", "20s")) {
            assertThatThrownBy(() -> ConnectorArgs.parse(List.of("--config", "c", "--key", "k", "--drain-seconds",
                    bad))).as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--drain-seconds");
        }
    }

    @Test
    void aPortOutOfRangeIsStillRefused() {
        assertThatThrownBy(() -> ConnectorArgs.parse(List.of("--config", "c", "--key", "k", "--http-port", "70000")))
                .hasMessageContaining("--http-port");
    }

    @Test
    void sessionRecoveryIsOnUnlessTurnedOff() {
        assertThat(ConnectorArgs.parse(List.of("--config", "c", "--key", "k")).sessionRecovery()).isTrue();
        ConnectorArgs off = ConnectorArgs.parse(List.of("--config", "c", "--key", "k", "--session-recovery=off"));
        assertThat(off.sessionRecovery()).isFalse();
        assertThat(off.config()).isEqualTo(Path.of("c"));
        assertThat(ConnectorArgs.parse(List.of("--session-recovery", "off", "--config=c", "--key=k"))
                .sessionRecovery()).isFalse();
    }

    @Test
    void aSessionRecoveryValueOtherThanOnOrOffIsRefused() {
        assertThatThrownBy(() -> ConnectorArgs.parse(List.of("--config", "c", "--key", "k",
                "--session-recovery=false")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neither on nor off");
    }
}
