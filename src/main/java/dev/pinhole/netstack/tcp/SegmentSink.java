package dev.pinhole.netstack.tcp;

/** Where an endpoint (or a relay) sends the IP packets it builds (towards the tunnel, to be encrypted). */
@FunctionalInterface
public interface SegmentSink {
    /**
     * Takes one complete IP packet, lent for this call only: consume it (encrypt, send, or {@link LentPacket#copy()})
     * before returning. {@link LentPacket} fails every use after the call returns.
     */
    void emit(LentPacket packet);
}
