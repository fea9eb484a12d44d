package dev.pinhole.netstack.tcp;

/**
 * The listener calls an endpoint owes, collected while its parts run and delivered once its state is consistent
 * (by {@link TcpEndpoint}, at the end of the public call that caused them). One bit per kind: repeats coalesce.
 */
final class PendingEvents {
    static final int CONNECTED = 1;
    static final int READABLE = 2;
    static final int WRITABLE = 4;
    static final int CLOSED = 8;

    private int bits;

    void add(int event) {
        bits |= event;
    }

    boolean any() {
        return bits != 0;
    }

    /** The events owed so far, forgetting them. */
    int take() {
        int taken = bits;
        bits = 0;
        return taken;
    }
}
