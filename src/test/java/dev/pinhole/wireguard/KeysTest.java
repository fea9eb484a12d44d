package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class KeysTest {
    @Test
    void generatedPrivateKeyIsClamped() {
        byte[] k = Keys.generatePrivate();
        assertThat(k).hasSize(32);
        assertThat(k[0] & 7).isZero();
        assertThat(k[31] & 0x80).isZero();
        assertThat(k[31] & 0x40).isEqualTo(0x40);
    }

    @Test
    void publicKeyOfRfc7748AliceMatches() {
        byte[] priv = HexFormat.of().parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        assertThat(HexFormat.of().formatHex(Keys.publicFromPrivate(priv)))
                .isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    }

    @Test
    void base64RoundTrips() {
        byte[] k = Keys.generatePrivate();
        String text = Keys.toBase64(k);
        assertThat(text).hasSize(44).endsWith("=");
        assertThat(Keys.fromBase64(text)).isEqualTo(k);
    }

    @Test
    void base64OfWrongLengthIsRefused() {
        assertThatThrownBy(() -> Keys.fromBase64("AAAA")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("44");
        assertThatThrownBy(() -> Keys.fromBase64("!".repeat(43) + "="))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("base64");
    }

    @Test
    void publicKeyValuesCompareByBytes() {
        byte[] k = Keys.publicFromPrivate(Keys.generatePrivate());
        assertThat(PublicKey.of(k)).isEqualTo(PublicKey.fromBase64(Keys.toBase64(k)));
    }
}
