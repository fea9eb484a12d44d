package dev.pinhole.netstack.tcp;

import java.nio.ByteBuffer;

/**
 * One complete IP packet lent to a {@link SegmentSink} for the duration of one {@link SegmentSink#emit} call. The
 * bytes live in the lender's reusable output buffer, which its next packet overwrites, so the packet is valid only
 * inside that call: consume it there (encrypt, send, or {@link #copy()} what must outlive the call).
 *
 * <p>The lifetime is enforced, not only documented: every accessor throws {@link IllegalStateException} once the
 * call has returned, so a sink that keeps the packet fails at its first late use. The {@link ByteBuffer} from
 * {@link #buffer()} is emptied (limit 0) when the call returns; with assertions enabled (tests) it is a view of its
 * own per call, so one kept past the call stays empty instead of showing a later packet. Without assertions the
 * per-packet cost is two field writes and a limit reset: no allocation, no lock.
 *
 * <p>The lender side: {@link #fill()} for the buffer to build the next packet in, {@link #lendTo} to hand it over.
 */
public final class LentPacket {
    private static final boolean PER_CALL_VIEWS = LentPacket.class.desiredAssertionStatus();

    private final ByteBuffer buffer;
    /** What {@link #buffer()} returns during the current call: {@link #buffer} itself, or a view of it. */
    private ByteBuffer view;
    private boolean lent;

    /** A lender's output buffer of {@code capacity} bytes. */
    public LentPacket(int capacity) {
        this.buffer = ByteBuffer.allocate(capacity);
        this.view = buffer;
    }

    /** For the lender: the output buffer, cleared, to write the next packet into (position to limit). */
    public ByteBuffer fill() {
        if (lent) {
            throw new IllegalStateException("a packet is being built while the previous one is still lent");
        }
        return buffer.clear();
    }

    /**
     * For the lender: gives the packet between the output buffer's position and limit to {@code sink} for one
     * call, and takes it back when the call returns (normally or not).
     */
    public void lendTo(SegmentSink sink) {
        view = PER_CALL_VIEWS ? buffer.duplicate() : buffer;
        lent = true;
        try {
            sink.emit(this);
        } finally {
            lent = false;
            view.limit(0);
        }
    }

    /** The packet's bytes from position to limit; the buffer, like the packet, is valid only during the call. */
    public ByteBuffer buffer() {
        checkLent();
        return view;
    }

    /** The packet's length in bytes. */
    public int length() {
        checkLent();
        return view.remaining();
    }

    /** A copy of the packet's bytes in a new buffer of its own (position 0, limit its length), to keep. */
    public ByteBuffer copy() {
        checkLent();
        ByteBuffer copy = ByteBuffer.allocate(view.remaining());
        copy.put(view.duplicate()).flip();
        return copy;
    }

    /** The capacity of the lender's output buffer (memory accounting). */
    public int capacity() {
        return buffer.capacity();
    }

    private void checkLent() {
        if (!lent) {
            throw new IllegalStateException(
                    "LentPacket used after the emit call that lent it returned; copy() what must be kept");
        }
    }
}
