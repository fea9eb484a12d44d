package dev.pinhole.netstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReassemblyQueueTest {
    @Test
    void adjacentAndOverlappingRangesMerge() {
        var q = new ReassemblyQueue(4);
        assertThat(q.add(10, 20)).isTrue();
        assertThat(q.add(30, 40)).isTrue();
        assertThat(q.add(20, 30)).isTrue();
        assertThat(q.rangeCount()).isEqualTo(1);
        assertThat(q.end()).isEqualTo(40);
    }

    @Test
    void aNewHoleBeyondTheBoundIsRefused() {
        var q = new ReassemblyQueue(2);
        assertThat(q.add(10, 20)).isTrue();
        assertThat(q.add(30, 40)).isTrue();
        assertThat(q.add(50, 60)).isFalse();
        // Extending an existing range needs no new slot.
        assertThat(q.add(35, 45)).isTrue();
        assertThat(q.rangeCount()).isEqualTo(2);
    }

    @Test
    void advancingIntoARangeReturnsItsContiguousTail() {
        var q = new ReassemblyQueue(4);
        q.add(10, 20);
        q.add(30, 40);
        assertThat(q.advance(5)).isZero();
        assertThat(q.advance(5)).isEqualTo(10);
        // RCV.NXT is now at old 20; the next range starts 10 further on.
        assertThat(q.advance(10)).isEqualTo(10);
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void randomArrivalOrderMatchesABitmapOracle() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            var buffer = new ReceiveBuffer(4096, 64, dev.pinhole.budget.Allowance.UNLIMITED);
            BitSet oracle = new BitSet();
            byte[] stream = new byte[4096];
            random.nextBytes(stream);
            int delivered = 0;
            for (int i = 0; i < 300; i++) {
                int start = random.nextInt(4096);
                int len = 1 + random.nextInt(Math.min(200, 4096 - start));
                int offset = start - delivered;
                if (offset + len <= 0) {
                    continue;
                }
                int skip = Math.max(0, -offset);
                int advance = buffer.store(offset + skip, ByteBuffer.wrap(stream), start + skip, len - skip);
                if (advance >= 0) {
                    oracle.set(start + skip, start + len);
                }
                int expectedNext = oracle.nextClearBit(0);
                assertThat(delivered + Math.max(advance, 0)).isEqualTo(
                        advance < 0 ? delivered : expectedNext);
                delivered += Math.max(advance, 0);
            }
            ByteBuffer out = ByteBuffer.allocate(4096);
            buffer.read(out);
            assertThat(out.position()).isEqualTo(delivered);
            for (int i = 0; i < delivered; i++) {
                assertThat(out.get(i)).isEqualTo(stream[i]);
            }
        }
    }
}
