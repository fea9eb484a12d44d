package dev.pinhole.dns.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.Adversarial;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** RFC 8914 extended errors: what the resolver encodes, the record path reads back; cut-short options read nothing. */
class ExtendedErrorTest {
    private static Edns withOptions(byte[] options) {
        return new Edns(1232, 0, 0, 0, options);
    }

    @Test
    void anEncodedErrorDecodesToItsCodeAndText() {
        ExtendedError e = new ExtendedError(ExtendedError.BLOCKED, "pinhole: real address is cloud metadata");

        assertThat(ExtendedError.of(withOptions(e.toOption()))).contains(e);
    }

    @Test
    void itIsFoundAfterAnotherOption() {
        ByteBuffer b = ByteBuffer.allocate(4 + 8 + 6 + 2);
        b.putShort((short) 10).putShort((short) 8).putLong(42); // a COOKIE option first
        b.put(new ExtendedError(ExtendedError.OTHER, "no").toOption());

        assertThat(ExtendedError.of(withOptions(b.array()))).contains(new ExtendedError(0, "no"));
    }

    @Adversarial
    @Test
    void anOptionLongerThanTheRestIsNotRead() {
        byte[] option = new ExtendedError(ExtendedError.OTHER, "truncated text").toOption();
        byte[] cut = java.util.Arrays.copyOf(option, option.length - 3);

        assertThat(ExtendedError.of(withOptions(cut))).isEmpty();
    }

    @Adversarial
    @Test
    void anExtendedErrorOptionTooShortForItsCodeIsSkipped() {
        byte[] options = {0, 15, 0, 1, 7};

        assertThat(ExtendedError.of(withOptions(options))).isEmpty();
    }
}
