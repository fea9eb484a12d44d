package dev.pinhole.wireguard.udp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The receive offload's control data parser, fed what the kernel writes and what it never should. */
class GroControlTest {
    /** One {@code cmsghdr} at {@code off} with a 4-byte int payload, as Linux writes UDP_GRO. */
    private static int put(ByteBuffer b, int off, int level, int type, int value) {
        b.putLong(off, 20);
        b.putInt(off + 8, level);
        b.putInt(off + 12, type);
        b.putInt(off + 16, value);
        return off + 24;
    }

    private static ByteBuffer control() {
        return ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void theKernelsGroMessageGivesItsSegmentSize() {
        ByteBuffer b = control();
        int len = put(b, 0, GroControl.SOL_UDP, GroControl.UDP_GRO, 1452);
        assertThat(GroControl.segmentSize(b.array(), len)).isEqualTo(1452);
        // CMSG_LEN, not CMSG_SPACE: the kernel may report the unpadded length as the control length.
        assertThat(GroControl.segmentSize(b.array(), 20)).isEqualTo(1452);
    }

    @Test
    void aGroMessageAfterAnotherControlMessageIsFound() {
        ByteBuffer b = control();
        int off = put(b, 0, 0 /* SOL_IP */, 8 /* IP_PKTINFO */, 7);
        int len = put(b, off, GroControl.SOL_UDP, GroControl.UDP_GRO, 1200);
        assertThat(GroControl.segmentSize(b.array(), len)).isEqualTo(1200);
    }

    @Test
    void noControlDataOrOtherMessagesMeanOneDatagram() {
        ByteBuffer b = control();
        assertThat(GroControl.segmentSize(b.array(), 0)).isZero();
        int len = put(b, 0, GroControl.SOL_UDP, 103 /* UDP_SEGMENT */, 1452);
        assertThat(GroControl.segmentSize(b.array(), len)).isZero();
    }

    @Test
    void aHeaderLongerThanTheControlDataIsNotFollowed() {
        ByteBuffer b = control();
        put(b, 0, GroControl.SOL_UDP, GroControl.UDP_GRO, 1452);
        b.putLong(0, 1 << 20);
        assertThat(GroControl.segmentSize(b.array(), 24)).isZero();
        // Nor a length that would read past what the kernel said it wrote, even if the array is longer.
        put(b, 0, GroControl.SOL_UDP, GroControl.UDP_GRO, 1452);
        assertThat(GroControl.segmentSize(b.array(), 17)).isZero();
    }

    @Test
    void aZeroOrNegativeHeaderLengthEndsTheWalkInsteadOfLooping() {
        ByteBuffer b = control();
        b.putLong(0, 0);
        assertThat(GroControl.segmentSize(b.array(), 64)).isZero();
        b.putLong(0, -8);
        assertThat(GroControl.segmentSize(b.array(), 64)).isZero();
        b.putLong(0, Long.MAX_VALUE);
        assertThat(GroControl.segmentSize(b.array(), 64)).isZero();
    }

    @Test
    void randomControlDataNeverThrowsAndYieldsA16BitSize() {
        SplittableRandom random = new SplittableRandom(16);
        byte[] c = new byte[64];
        for (int i = 0; i < 200_000; i++) {
            random.nextBytes(c);
            if (random.nextBoolean()) {
                // Plausible headers so the walk goes beyond the first one.
                ByteBuffer b = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
                b.putLong(0, 16 + random.nextInt(40));
                if (random.nextBoolean()) {
                    b.putInt(8, GroControl.SOL_UDP);
                    b.putInt(12, GroControl.UDP_GRO);
                }
            }
            int len = random.nextInt(-4, 80);
            int size = GroControl.segmentSize(c, len);
            assertThat(size).isBetween(0, 65535);
        }
    }
}
