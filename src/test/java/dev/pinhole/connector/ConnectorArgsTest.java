package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectorArgsTest {
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
