/**
 * The connector's DNS at its tunnel address: names matching the AppConnector's {@code domains} are answered
 * with stable synthetic addresses from the app range, mapped to their real upstream addresses; all other
 * names are forwarded untouched.
 *
 * <p>Pipeline for one query:
 * <ol>
 *   <li>{@code resolver.DnsQueryHandler.handle(payload, transport)} — called by the connector with a UDP
 *       payload (or a TCP message cut by {@code resolver.DnsStreamFramer}) from the userspace stack, or by
 *       {@code resolver.DnsServer} for a real socket;</li>
 *   <li>{@code resolver.AppResolver} (sans I/O) decodes with {@code message.DnsMessageDecoder}, matches with
 *       {@code match.DomainMatcher}, and says: reply, drop, or ask upstream;</li>
 *   <li>{@code resolver.UpstreamDnsClient} asks upstream (UDP, retry across servers, TCP on TC);</li>
 *   <li>{@code AppResolver} checks the real answers with {@code resolver.RealAddressPolicy}, maps the name in
 *       {@code synthetic.SyntheticAddressPool}, and encodes the reply.</li>
 * </ol>
 *
 * <p>Threads: the handler runs on the caller's thread until it must wait for upstream; the reply is completed
 * on the upstream client's selector thread (or its TCP fallback pool). The pool is the only shared mutable
 * state and locks itself; the NAT layer reads it with {@code lookup(address)} and {@code touch(address)}.
 *
 * <p>No Kubernetes, Quarkus or Jakarta types here: JDK and Micrometer only.
 */
package dev.pinhole.dns;
