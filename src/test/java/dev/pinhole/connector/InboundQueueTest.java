package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.Adversarial;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The hand-off queue's memory is fixed whatever clients send: slots of one MTU, larger packets refused. */
class InboundQueueTest {
    static final int MTU = 1420;

    @Test
    @Adversarial
    void innerPacketsLargerThanTheMtuAreRefusedAndNoSlotGrows() {
        InboundQueue queue = new InboundQueue(8, MTU);
        long before = queue.memoryBytes();

        for (int i = 0; i < 100; i++) {
            assertThat(queue.offer(null, ByteBuffer.allocate(65_535))).isEqualTo(InboundQueue.Admission.TOO_BIG);
        }
        assertThat(queue.offer(null, ByteBuffer.allocate(MTU + 1))).isEqualTo(InboundQueue.Admission.TOO_BIG);

        assertThat(queue.memoryBytes()).isEqualTo(before).isEqualTo(8L * MTU);
        assertThat(queue.isEmpty()).isTrue();
    }

    @Test
    void aPacketOfExactlyTheMtuIsQueuedIntact() {
        InboundQueue queue = new InboundQueue(8, MTU);
        ByteBuffer packet = ByteBuffer.allocate(MTU);
        packet.put(0, (byte) 0x45).put(MTU - 1, (byte) 7);

        assertThat(queue.offer(null, packet)).isEqualTo(InboundQueue.Admission.QUEUED);
        InboundQueue.Slot slot = queue.poll();
        assertThat(slot.buffer.remaining()).isEqualTo(MTU);
        assertThat(slot.buffer.get(MTU - 1)).isEqualTo((byte) 7);
    }

    @Test
    void aFullQueueRefusesWithFull() {
        InboundQueue queue = new InboundQueue(4, MTU);
        for (int i = 0; i < 4; i++) {
            assertThat(queue.offer(null, ByteBuffer.allocate(100))).isEqualTo(InboundQueue.Admission.QUEUED);
        }
        assertThat(queue.offer(null, ByteBuffer.allocate(100))).isEqualTo(InboundQueue.Admission.FULL);
    }
}
