package dev.pinhole.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

class IpEntryParserFuzzTest {

    /** Any text either parses to a range whose canonical forms parse back to it, or fails with our exception. */
    @FuzzTest(maxDuration = "30s")
    void parseEntry(FuzzedDataProvider data) {
        String entry = data.consumeRemainingAsString();
        AddressRange range;
        try {
            range = IpEntryParser.parseEntry(entry);
        } catch (IpEntryFormatException e) {
            assertThat(e.value()).isEqualTo(entry);
            assertThat(e.getMessage()).isEqualTo(IpEntryFormatException.quote(entry) + ": " + e.reason());
            return;
        }
        assertThat(IpEntryParser.parseEntry(range.toString())).isEqualTo(range);
        for (Cidr cidr : range.toCidrs()) {
            assertThat(Cidr.parse(cidr.toString())).isEqualTo(cidr);
        }
    }
}
