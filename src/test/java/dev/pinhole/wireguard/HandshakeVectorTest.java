package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * A handshake test vector: fixed statics, ephemerals, PSK, indices and timestamp, with the expected messages and
 * transport keys computed by an independent implementation written from the paper in Go with golang.org/x/crypto
 * ({@code src/test/resources/dev/pinhole/wireguard/HandshakeVectorTest/main.go}; {@code go run .} prints them).
 */
class HandshakeVectorTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final String INITIATION = "010000004433221164b101b1d0be5a8704bd078f9895001fc03e8e9f9522f188dd128d98"
            + "46d48466158a0e4ca242d151ca97ab90159a98b67e616625e68b4065d357376b6598e644ad7d678c0295d22de4cb43d5135581ed"
            + "36346bfa7cf42a122139f8939935ec574414e91f3b457e447709b4db0277480586ab0a99b2d78cf74bf0acad"
            + "00000000000000000000000000000000";
    private static final String RESPONSE = "020000008877665544332211244fe3b963e899dd295baffce248d3530f3a9a7479ba0630"
            + "02680ebfe7adad499b0e14cc4fa68f26cc4f920db2f1800e283c9e5564ca84fe1ccf8c5af96acab8"
            + "00000000000000000000000000000000";
    private static final String INITIATOR_SEND = "248a29611829aaf7ee8bc8e87df805c1019f08f82d80eb79b7625821ba0a1317";
    private static final String INITIATOR_RECEIVE = "848308e622b3e15e5ebc5312111efc31082e86c85e9ee93fe8c5aa7f972cc9c3";

    /** Hands out scripted ephemeral keys and receiver indices instead of random ones. */
    private static final class ScriptedRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final ArrayDeque<byte[]> bytes = new ArrayDeque<>();
        private final ArrayDeque<Integer> ints = new ArrayDeque<>();

        ScriptedRandom(byte[] ephemeral, int index) {
            bytes.add(ephemeral);
            ints.add(index);
        }

        @Override
        public void nextBytes(byte[] out) {
            System.arraycopy(bytes.removeFirst(), 0, out, 0, out.length);
        }

        @Override
        public int nextInt() {
            return ints.removeFirst();
        }
    }

    private static byte[] seq(int from) {
        byte[] b = new byte[32];
        for (int i = 0; i < 32; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    @Test
    void initiationResponseAndTransportKeysMatchAnIndependentImplementation() {
        byte[] iPriv = seq(0x01);
        byte[] rPriv = seq(0x21);
        byte[] psk = seq(0x81);
        LocalIdentity initiator = new LocalIdentity(iPriv);
        LocalIdentity responder = new LocalIdentity(rPriv);
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);

        ScriptedRandom iRandom = new ScriptedRandom(seq(0x41), 0x11223344);
        IndexTable iIndices = new IndexTable(iRandom);
        Peer responderSeenByInitiator = new Peer(PublicKey.of(responder.publicKey), iPriv, TimerConfig.defaults(),
                iIndices);
        responderSeenByInitiator.usePresharedKey(psk);
        byte[] initiation = NoiseHandshake.createInitiation(initiator, responderSeenByInitiator, iIndices, iRandom,
                clock, null, IndexTable.NO_INDEX).orElseThrow();
        responderSeenByInitiator.addMacs(initiation, 0);
        assertThat(HEX.formatHex(initiation)).isEqualTo(INITIATION);

        ScriptedRandom rRandom = new ScriptedRandom(seq(0x61), 0x55667788);
        IndexTable rIndices = new IndexTable(rRandom);
        Peer initiatorSeenByResponder = new Peer(PublicKey.of(initiator.publicKey), rPriv, TimerConfig.defaults(),
                rIndices);
        initiatorSeenByResponder.usePresharedKey(psk);
        NoiseHandshake.Consumed consumed = NoiseHandshake.consumeInitiation(initiation, 0, responder,
                k -> k.equals(initiatorSeenByResponder.publicKey()) ? initiatorSeenByResponder : null, 0, 0);
        assertThat(consumed.drop()).isNull();
        byte[] response = NoiseHandshake.createResponse(initiatorSeenByResponder, rIndices, rRandom, null).orElseThrow();
        initiatorSeenByResponder.addMacs(response, 0);
        assertThat(HEX.formatHex(response)).isEqualTo(RESPONSE);

        assertThat(NoiseHandshake.consumeResponse(response, 0, initiator, responderSeenByInitiator)).isNull();
        Keypair i = NoiseHandshake.deriveKeypair(responderSeenByInitiator, iIndices, 0);
        Keypair r = NoiseHandshake.deriveKeypair(initiatorSeenByResponder, rIndices, 0);
        assertThat(HEX.formatHex(i.sendKey.getEncoded())).isEqualTo(INITIATOR_SEND);
        assertThat(HEX.formatHex(i.receiveKey.getEncoded())).isEqualTo(INITIATOR_RECEIVE);
        assertThat(r.sendKey.getEncoded()).isEqualTo(i.receiveKey.getEncoded());
        assertThat(r.receiveKey.getEncoded()).isEqualTo(i.sendKey.getEncoded());
    }
}
