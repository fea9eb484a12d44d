package dev.pinhole.dns.message;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinhole.dns.message.DnsFormatException.Reason;
import java.util.HexFormat;
import org.assertj.core.api.AbstractObjectAssert;
import org.junit.jupiter.api.Test;

class DnsMessageMalformedTest {
    private static final String HEADER_ONE_QUESTION = "abcd01000001000000000000";

    private static AbstractObjectAssert<?, ?> rejection(String hex) {
        return assertThatThrownBy(() -> DnsMessageDecoder.decode(HexFormat.of().parseHex(hex)))
                .isInstanceOf(DnsFormatException.class)
                .extracting(e -> ((DnsFormatException) e).reason());
    }

    @Test
    void shortHeaderIsTruncated() {
        rejection("abcd0100000100").isEqualTo(Reason.TRUNCATED);
    }

    @Test
    void pointerToItselfIsALoop() {
        // question name at offset 12 is a pointer to offset 12
        rejection(HEADER_ONE_QUESTION + "c00c00010001").isEqualTo(Reason.POINTER_LOOP);
    }

    @Test
    void twoPointersAtEachOtherAreALoop() {
        // offset 12: label "a" then pointer to 17; offset 17: pointer to 12... via label at 12
        rejection(HEADER_ONE_QUESTION + "0161c011" + "00" + "c00c" + "00010001").isEqualTo(Reason.POINTER_LOOP);
    }

    @Test
    void pointerPastTheEndIsOutOfRange() {
        rejection(HEADER_ONE_QUESTION + "c0ff00010001").isEqualTo(Reason.POINTER_OUT_OF_RANGE);
    }

    @Test
    void pointerCutAfterItsFirstByteIsTruncated() {
        rejection(HEADER_ONE_QUESTION + "c0").isEqualTo(Reason.TRUNCATED);
    }

    @Test
    void extendedLabelTypesAreRejected() {
        rejection(HEADER_ONE_QUESTION + "4100" + "00010001").isEqualTo(Reason.RESERVED_LABEL_TYPE);
        rejection(HEADER_ONE_QUESTION + "8100" + "00010001").isEqualTo(Reason.RESERVED_LABEL_TYPE);
    }

    @Test
    void labelRunningPastTheEndIsTruncated() {
        rejection(HEADER_ONE_QUESTION + "0561626300").isEqualTo(Reason.TRUNCATED);
    }

    @Test
    void nameLongerThan255OctetsIsRejected() {
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            name.append("3f").append("61".repeat(63)); // 5 x 64 = 320 octets
        }
        rejection(HEADER_ONE_QUESTION + name + "00" + "00010001").isEqualTo(Reason.NAME_TOO_LONG);
    }

    @Test
    void longNameBuiltFromPointersIsRejected() {
        // Four questions, each a 63-octet label followed by a pointer to the previous question's name: every
        // pointer is legal and there is no loop, but the fourth name is 4 x 64 + 1 = 257 octets.
        StringBuilder msg = new StringBuilder("abcd01000004000000000000");
        int offset = 12;
        int previous = -1;
        for (int i = 0; i < 4; i++) {
            msg.append("3f").append("62".repeat(63));
            msg.append(previous < 0 ? "00" : String.format("%04x", 0xc000 | previous));
            msg.append("00010001");
            previous = offset;
            offset += 64 + (previous == 12 ? 1 : 2) + 4;
        }
        rejection(msg.toString()).isEqualTo(Reason.NAME_TOO_LONG);
    }

    @Test
    void rdataLengthPastTheEndIsTruncated() {
        rejection("abcd81800000000100000000" + "00" + "0001000100000000" + "0010" + "c0000201")
                .isEqualTo(Reason.TRUNCATED);
    }

    @Test
    void addressRecordWithWrongLengthIsRejected() {
        rejection("abcd81800000000100000000" + "00" + "0001000100000000" + "0003" + "c00002")
                .isEqualTo(Reason.RDATA_LENGTH_MISMATCH);
    }

    @Test
    void cnameWhoseNameOverrunsItsRdataIsRejected() {
        // rdlength 2 but the target is "\1a\0" (3 octets)
        rejection("abcd81800000000100000000" + "00" + "0005000100000000" + "0002" + "016100")
                .isIn(Reason.TRUNCATED, Reason.RDATA_LENGTH_MISMATCH);
    }

    @Test
    void optInTheAnswerSectionIsMisplaced() {
        rejection("abcd81800000000100000000" + "00" + "002904d000000000" + "0000").isEqualTo(Reason.MISPLACED_OPT);
    }

    @Test
    void secondOptIsADuplicate() {
        String opt = "00" + "002904d000000000" + "0000";
        rejection("abcd81800000000000000002" + opt + opt).isEqualTo(Reason.DUPLICATE_OPT);
    }

    @Test
    void bytesAfterTheLastRecordAreRejected() {
        rejection(HEADER_ONE_QUESTION + "0161000001000100").isEqualTo(Reason.TRAILING_BYTES);
    }

    @Test
    void hugeCountsWithoutBytesAreTruncatedNotAllocated() {
        rejection("abcd8180ffffffffffffffff").isEqualTo(Reason.TRUNCATED);
    }
}
