/**
 * A sans-I/O userspace TCP endpoint ({@link dev.pinhole.netstack.tcp.TcpEndpoint}) that terminates the tunnel
 * side of one flow as the passive opener (RFC 9293, RFC 6298, RFC 5681, RFC 7323, RFC 5961). Inside it, one class
 * per concern: {@link dev.pinhole.netstack.tcp.TcpConnection} (state machine),
 * {@link dev.pinhole.netstack.tcp.TcpSender}, {@link dev.pinhole.netstack.tcp.TcpReceiver} and
 * {@link dev.pinhole.netstack.tcp.SegmentWriter}; what it emits is lent as a
 * {@link dev.pinhole.netstack.tcp.LentPacket}, valid during the sink's call only.
 *
 * <p>Threading: an endpoint is confined to one thread (the NAT event loop that owns the flow). Nothing here blocks,
 * sleeps, reads a clock other than the injected {@link dev.pinhole.time.Ticker}, or touches a socket.
 */
package dev.pinhole.netstack.tcp;
