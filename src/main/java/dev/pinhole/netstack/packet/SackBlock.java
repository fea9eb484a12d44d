package dev.pinhole.netstack.packet;

/** One SACK block (RFC 2018): sequence numbers as unsigned 32-bit values in longs. */
public record SackBlock(long leftEdge, long rightEdge) {
}
