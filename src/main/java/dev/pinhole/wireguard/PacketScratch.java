package dev.pinhole.wireguard;

import java.nio.ByteBuffer;

/**
 * One thread's packet buffers. A receive or send call writes into them and lends them to {@link Output} for the
 * duration of that callback only: the next packet on the same thread overwrites them (copy what you keep).
 *
 * <p>With assertions enabled (tests), {@link #lendReceived} and {@link #lendSealed} hand out a view of their own
 * per call and {@link #takeBack} empties it when the callback returns, so an {@link Output} that keeps a buffer
 * sees it empty instead of silently reading a later packet. Without assertions they lend the one reused view and
 * take back nothing: no allocation and no extra write per packet.
 */
final class PacketScratch {
    private static final boolean PER_CALL_VIEWS = PacketScratch.class.desiredAssertionStatus();

    /** Room for the largest datagram plus the transport header and tag. */
    static final int SIZE = 65536 + 64;

    final byte[] inCopy = new byte[SIZE];
    final byte[] rxPlain = new byte[SIZE];
    final ByteBuffer rxView = ByteBuffer.wrap(rxPlain);
    final byte[] txPlain = new byte[SIZE];
    final byte[] txOut = new byte[SIZE];
    final ByteBuffer txView = ByteBuffer.wrap(txOut);

    /** {@code rxPlain[0, len)} as the buffer to lend to {@link Output#deliver}. */
    ByteBuffer lendReceived(int len) {
        ByteBuffer view = PER_CALL_VIEWS ? rxView.duplicate() : rxView;
        view.limit(len).position(0);
        return view;
    }

    /** {@code txOut[0, len)} as the buffer to lend to {@link Output#send}. */
    ByteBuffer lendSealed(int len) {
        ByteBuffer view = PER_CALL_VIEWS ? txView.duplicate() : txView;
        view.limit(len).position(0);
        return view;
    }

    /** The callback that was lent {@code view} has returned: with assertions on, the view is emptied. */
    static void takeBack(ByteBuffer view) {
        if (PER_CALL_VIEWS) {
            view.limit(0);
        }
    }
}
