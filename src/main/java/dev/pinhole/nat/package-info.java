/**
 * NAT from tunnel-side flows to real sockets of the pod: the flow table (5-tuple, limits, idle timeouts), TCP flows
 * (a userspace {@link dev.pinhole.netstack.tcp.TcpEndpoint} relayed to a non-blocking {@link
 * java.nio.channels.SocketChannel}) and UDP flows (relayed to a connected {@link java.nio.channels.DatagramChannel}),
 * all driven by one selector thread ({@link dev.pinhole.nat.RelayLoop}). No Kubernetes, no Quarkus.
 */
package dev.pinhole.nat;
