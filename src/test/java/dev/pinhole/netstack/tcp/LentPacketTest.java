package dev.pinhole.netstack.tcp;

import static dev.pinhole.netstack.packet.TcpFlags.SYN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinhole.time.FakeTicker;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A sink that keeps what an endpoint lent it past the emit call is caught, not handed a later packet's bytes. */
class LentPacketTest {
    private final ScriptedClient client = new ScriptedClient(false);

    @Test
    void aSinkThatKeepsTheEndpointsPacketFailsAtItsFirstLateUse() {
        List<LentPacket> kept = new ArrayList<>();
        var syn = client.segment(SYN, 5000, 0, 64240);

        TcpEndpoint.accept(EndpointFixture.testConfig().build(), SynRequest.from(syn), 1000, new FakeTicker(),
                kept::add, TcpEventListener.NONE);

        assertThat(kept).as("the SYN-ACK was lent").hasSize(1);
        assertThatThrownBy(() -> kept.get(0).buffer()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("after the emit call");
        assertThatThrownBy(() -> kept.get(0).length()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> kept.get(0).copy()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aKeptByteBufferIsEmptyAfterTheCallAndStaysEmptyWhileTheNextPacketIsLent() {
        LentPacket out = new LentPacket(64);
        List<ByteBuffer> kept = new ArrayList<>();
        out.fill().put(new byte[] {1, 2, 3}).flip();
        out.lendTo(p -> kept.add(p.buffer()));
        assertThat(kept.get(0).remaining()).as("the first packet's buffer after its call").isZero();

        out.fill().put(new byte[] {9, 9, 9, 9}).flip();
        List<Integer> seenDuringNextCall = new ArrayList<>();
        out.lendTo(p -> seenDuringNextCall.add(kept.get(0).remaining()));

        assertThat(seenDuringNextCall).as("the first packet's buffer while the next packet is lent (tests run with"
                + " assertions on: the mode that gives each call its own view)").containsExactly(0);
    }

    @Test
    void duringTheCallTheSinkSeesExactlyThePacket() {
        LentPacket out = new LentPacket(64);
        out.fill().put(new byte[] {1, 2, 3}).flip();
        List<ByteBuffer> copies = new ArrayList<>();

        out.lendTo(p -> copies.add(p.copy()));

        assertThat(copies.get(0)).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    }

    @Test
    void aPacketCannotBeBuiltWhileThePreviousOneIsStillLent() {
        LentPacket out = new LentPacket(64);
        out.fill().flip();

        assertThatThrownBy(() -> out.lendTo(p -> out.fill())).isInstanceOf(IllegalStateException.class);
        assertThat(out.fill().remaining()).as("lent no more once the call threw").isEqualTo(64);
    }
}
