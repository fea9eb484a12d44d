package dev.pinhole.dns.synthetic;

import dev.pinhole.dns.message.DnsName;
import java.net.InetAddress;

/** A name refused because its synthetic address was held by another name (for {@code /status}). */
public record NameCollision(DnsName refused, DnsName holder, InetAddress address) {}
