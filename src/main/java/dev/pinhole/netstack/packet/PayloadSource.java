package dev.pinhole.netstack.packet;

import java.nio.ByteBuffer;

/** Bytes a builder copies into an outgoing packet, such as a slice of a send buffer. */
@FunctionalInterface
public interface PayloadSource {
    /** Copies {@code length} bytes into {@code dst} at absolute {@code dstIndex}; positions are not moved. */
    void copyTo(ByteBuffer dst, int dstIndex, int length);

    /** The bytes from {@code src.position()} on, copied without consuming them. */
    static PayloadSource of(ByteBuffer src) {
        return (dst, dstIndex, length) -> dst.put(dstIndex, src, src.position(), length);
    }
}
