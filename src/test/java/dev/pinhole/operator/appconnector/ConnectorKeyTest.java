package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ConnectorKeyTest {
    /** RFC 7748 section 6.1: Alice's private key and the public key X25519(a, 9). */
    private static final String ALICE_PRIVATE_HEX = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private static final String ALICE_PUBLIC_HEX = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    /** RFC 7748 section 6.1: Bob's pair. */
    private static final String BOB_PRIVATE_HEX = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    private static final String BOB_PUBLIC_HEX = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";

    private static String base64(String hex) {
        return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    }

    @Test
    void derivesAlicesPublicKeyFromRfc7748() {
        ConnectorKey key = ConnectorKey.fromPrivate(base64(ALICE_PRIVATE_HEX));

        assertThat(key.publicKey()).isEqualTo(base64(ALICE_PUBLIC_HEX));
    }

    @Test
    void derivesBobsPublicKeyFromRfc7748() {
        assertThat(ConnectorKey.fromPrivate(base64(BOB_PRIVATE_HEX)).publicKey()).isEqualTo(base64(BOB_PUBLIC_HEX));
    }

    @Test
    void keepsThePrivateKeyAsGiven() {
        assertThat(ConnectorKey.fromPrivate(base64(ALICE_PRIVATE_HEX)).privateKey()).isEqualTo(base64(ALICE_PRIVATE_HEX));
    }

    @Test
    void keysAreWireGuardBase64Of32Bytes() {
        ConnectorKey key = ConnectorKey.generate();

        assertThat(key.privateKey()).hasSize(44).endsWith("=");
        assertThat(key.publicKey()).hasSize(44).endsWith("=");
        assertThat(Base64.getDecoder().decode(key.privateKey())).hasSize(32);
        assertThat(Base64.getDecoder().decode(key.publicKey())).hasSize(32);
    }

    @Test
    void generatedPairIsConsistentWithFromPrivate() {
        ConnectorKey key = ConnectorKey.generate();

        assertThat(ConnectorKey.fromPrivate(key.privateKey())).isEqualTo(key);
    }

    @Test
    void generatedKeysDiffer() {
        assertThat(ConnectorKey.generate().privateKey()).isNotEqualTo(ConnectorKey.generate().privateKey());
    }

    @Test
    void surroundingWhitespaceIsTolerated() {
        assertThat(ConnectorKey.fromPrivate(base64(ALICE_PRIVATE_HEX) + "\n").publicKey())
                .isEqualTo(base64(ALICE_PUBLIC_HEX));
    }

    @Test
    void badBase64IsRejectedNamingTheField() {
        assertThatThrownBy(() -> ConnectorKey.fromPrivate("not base64 at all!"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("privateKey:")
                .hasMessageContaining("base64");
    }

    @Test
    void shortKeyIsRejectedNamingTheFieldAndLength() {
        String sixteenBytes = Base64.getEncoder().encodeToString(new byte[16]);

        assertThatThrownBy(() -> ConnectorKey.fromPrivate(sixteenBytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("privateKey:")
                .hasMessageContaining("32")
                .hasMessageContaining("16");
    }

    @Test
    void longKeyIsRejected() {
        String thirtyThreeBytes = Base64.getEncoder().encodeToString(new byte[33]);

        assertThatThrownBy(() -> ConnectorKey.fromPrivate(thirtyThreeBytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("privateKey:");
    }

    @Test
    void missingKeyIsRejectedNamingTheField() {
        assertThatThrownBy(() -> ConnectorKey.fromPrivate(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("privateKey:");
    }

    @Test
    void toStringDoesNotRevealThePrivateKey() {
        ConnectorKey key = ConnectorKey.fromPrivate(base64(ALICE_PRIVATE_HEX));

        assertThat(key.toString()).doesNotContain(key.privateKey()).contains(key.publicKey());
    }
}
