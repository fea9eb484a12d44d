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
    void headerWithItsChecksumVerifies() {
        var header = Hex.buffer("45000073000040004011b861c0a80001c0a800c7");
        assertThat(InternetChecksum.verifies(InternetChecksum.add(0, header, 0, 20))).isTrue();
        header.put(8, (byte) 0x3f);
        assertThat(InternetChecksum.verifies(InternetChecksum.add(0, header, 0, 20))).isFalse();
    }
}
