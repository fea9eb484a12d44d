package dev.pinhole.netstack.packet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InternetChecksumTest {
    @Test
    void rfc1071ExampleSumsTo0xddf2() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2, so the checksum is its complement.
        assertThat(InternetChecksum.compute(Hex.buffer("0001f203f4f5f6f7"), 0, 8)).isEqualTo(~0xddf2 & 0xFFFF);
    }

    @Test
    void knownIpv4HeaderChecksumIs0xb861() {
        var header = Hex.buffer("450000730000400040110000c0a80001c0a800c7");
        assertThat(InternetChecksum.compute(header, 0, 20)).isEqualTo(0xb861);
    }

    @Test
    void oddLengthPadsWithZero() {
        assertThat(InternetChecksum.compute(Hex.buffer("0102 03"), 0, 3))
                .isEqualTo(InternetChecksum.compute(Hex.buffer("0102 0300"), 0, 4));
    }

    @Test
    void longRunMatchesWordByWordSum() {
        byte[] data = new byte[1001];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        long naive = 0;
        for (int i = 0; i < data.length; i += 2) {
            int hi = data[i] & 0xFF;
            int lo = i + 1 < data.length ? data[i + 1] & 0xFF : 0;
            naive += (hi << 8) | lo;
        }
        assertThat(InternetChecksum.compute(java.nio.ByteBuffer.wrap(data), 0, data.length))
                .isEqualTo(InternetChecksum.finish(naive));
    }

    @Test
    void anyRangeOfHeapSlicedAndDirectBuffersMatchesTheWordByWordSum() {
        java.util.Random random = new java.util.Random(42);
        byte[] data = new byte[1600];
        random.nextBytes(data);
        java.nio.ByteBuffer heap = java.nio.ByteBuffer.wrap(data);
        java.nio.ByteBuffer sliced = java.nio.ByteBuffer.wrap(data, 3, data.length - 3).slice();
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(data.length).put(data).clear();
        for (int round = 0; round < 500; round++) {
            int offset = random.nextInt(200);
            int length = random.nextInt(data.length - 210);
            long carried = random.nextInt(1 << 20);
            long naive = carried;
            for (int i = 0; i < length; i += 2) {
                int hi = data[offset + i] & 0xFF;
                int lo = i + 1 < length ? data[offset + i + 1] & 0xFF : 0;
                naive += (hi << 8) | lo;
            }
            int expected = InternetChecksum.finish(naive);
            assertThat(InternetChecksum.finish(InternetChecksum.add(carried, heap, offset, length))).isEqualTo(expected);
            assertThat(InternetChecksum.finish(InternetChecksum.add(carried, direct, offset, length)))
                    .isEqualTo(expected);
            long slicedNaive = carried;
            for (int i = 0; i < length; i += 2) {
                int hi = data[3 + offset + i] & 0xFF;
                int lo = i + 1 < length ? data[3 + offset + i + 1] & 0xFF : 0;
                slicedNaive += (hi << 8) | lo;
            }
            assertThat(InternetChecksum.finish(InternetChecksum.add(carried, sliced, offset, length)))
                    .isEqualTo(InternetChecksum.finish(slicedNaive));
        }
    }

    @Test
    void aRangeBeyondTheLimitIsRejected() {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(100).limit(64);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> InternetChecksum.add(0, buf, 40, 32))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void headerWithItsChecksumVerifies() {
        var header = Hex.buffer("45000073000040004011b861c0a80001c0a800c7");
        assertThat(InternetChecksum.verifies(InternetChecksum.add(0, header, 0, 20))).isTrue();
        header.put(8, (byte) 0x3f);
        assertThat(InternetChecksum.verifies(InternetChecksum.add(0, header, 0, 20))).isFalse();
    }
}
