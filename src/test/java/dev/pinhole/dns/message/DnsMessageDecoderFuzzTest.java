package dev.pinhole.dns.message;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

class DnsMessageDecoderFuzzTest {
    /** Any input either decodes, and then survives an encode/decode round trip, or is a DnsFormatException. */
    @FuzzTest(maxDuration = "30s")
    void decoderThrowsOnlyFormatExceptions(byte[] input) {
        DnsMessage message;
        try {
            message = DnsMessageDecoder.decode(input);
        } catch (DnsFormatException e) {
            return;
        }
        byte[] again;
        try {
            again = DnsMessageEncoder.encode(message);
        } catch (DnsFormatException e) {
            // Only reachable if expanded RDATA names push the message past 65535 octets.
            assertThat(e.reason()).isEqualTo(DnsFormatException.Reason.MESSAGE_TOO_LARGE);
            return;
        }
        try {
            assertThat(DnsMessageDecoder.decode(again)).isEqualTo(message);
        } catch (DnsFormatException e) {
            throw new AssertionError("re-encoded message does not decode: " + e.getMessage(), e);
        }
    }
}
