package dev.pinhole.dns.resolver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DnsStreamFramerTest {
    @Test
    void messagesSplitAtEveryPossibleBoundaryComeOutWhole() {
        byte[] a = {1, 2, 3};
        byte[] b = new byte[300];
        new Random(1).nextBytes(b);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(DnsStreamFramer.frame(a));
        stream.writeBytes(DnsStreamFramer.frame(b));
        byte[] all = stream.toByteArray();

        for (int cut = 0; cut <= all.length; cut++) {
            DnsStreamFramer framer = new DnsStreamFramer();
            List<byte[]> got = new ArrayList<>(framer.feed(ByteBuffer.wrap(all, 0, cut)));
            got.addAll(framer.feed(ByteBuffer.wrap(all, cut, all.length - cut)));

            assertThat(got).as("cut at %d", cut).containsExactly(a, b);
            assertThat(framer.buffered()).isZero();
        }
    }

    @Test
    void byteByByteFeedingWorks() {
        byte[] msg = {9, 8, 7, 6};
        byte[] framed = DnsStreamFramer.frame(msg);
        DnsStreamFramer framer = new DnsStreamFramer();
        List<byte[]> got = new ArrayList<>();

        for (byte x : framed) {
            got.addAll(framer.feed(ByteBuffer.wrap(new byte[] {x})));
        }

        assertThat(got).containsExactly(msg);
    }

    @Test
    void emptyMessageIsDeliveredAsEmpty() {
        assertThat(new DnsStreamFramer().feed(ByteBuffer.wrap(new byte[] {0, 0}))).containsExactly(new byte[0]);
    }

    @Test
    void incompleteMessageIsHeldBack() {
        DnsStreamFramer framer = new DnsStreamFramer();

        assertThat(framer.feed(ByteBuffer.wrap(new byte[] {0, 5, 1, 2}))).isEmpty();
        assertThat(framer.buffered()).isEqualTo(4);
    }
}
