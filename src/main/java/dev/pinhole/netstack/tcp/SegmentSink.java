package dev.pinhole.netstack.tcp;

import java.nio.ByteBuffer;

/** Where an endpoint sends the IP packets it builds (towards the tunnel, to be encrypted). */
@FunctionalInterface
public interface SegmentSink {
    /**
     * Takes one complete IP packet between {@code packet.position()} and {@code packet.limit()}.
     * ALIASING: the buffer is the endpoint's reusable output buffer; it is overwritten by the next segment, so the
     * sink must consume (encrypt, copy or send) the bytes before returning and must not keep the reference.
     */
    void emit(ByteBuffer packet);
}
