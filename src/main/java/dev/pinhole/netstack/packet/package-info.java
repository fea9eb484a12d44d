/**
 * Packet views and builders. Views read a caller's {@link java.nio.ByteBuffer} with absolute indexes and never
 * copy or move its position; they are only valid while the caller keeps those bytes unchanged. Builders write
 * into a caller-provided buffer.
 */
package dev.pinhole.netstack.packet;
