/**
 * A userspace network stack for the connector: zero-copy IPv4/IPv6/TCP/UDP/ICMP views ({@code packet}) and a
 * sans-I/O TCP endpoint that terminates the tunnel side of a flow ({@code tcp}). No sockets, no threads, no
 * wall clock: callers own the buffers and the time.
 */
package dev.pinhole.netstack;
