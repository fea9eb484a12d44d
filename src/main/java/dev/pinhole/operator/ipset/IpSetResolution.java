package dev.pinhole.operator.ipset;

import dev.pinhole.ipset.IpSet;

/** The outcome of resolving an IPSet: the address set, or the precise reason there is none. */
public sealed interface IpSetResolution {

    /** Every entry, include and selector resolved. */
    record Resolved(IpSet addresses) implements IpSetResolution {}

    /** Resolution failed; {@code reason} is a condition reason, {@code message} names the culprit. */
    record Failed(String reason, String message) implements IpSetResolution {}
}
