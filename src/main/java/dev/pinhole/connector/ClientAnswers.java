package dev.pinhole.connector;

import dev.pinhole.dns.synthetic.ResolvedNames;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per configured client, the synthetic answers it was given on this replica ({@link ResolvedNames}), each bounded
 * by the client's quota of synthetic names: what {@link Policy#decide} checks a new flow to a synthetic address
 * against. Kept across config reloads (a client's answers stay valid while its name is served); a removed or
 * changed client's answers are forgotten. Thread-safe: DNS threads record, the relay thread checks.
 */
final class ClientAnswers {
    private final ConcurrentHashMap<String, ResolvedNames> byClient = new ConcurrentHashMap<>();
    private volatile int bound;

    ClientAnswers(int bound) {
        this.bound = bound;
    }

    /** The answers of {@code client} (only configured clients reach here: the router checked the peer). */
    ResolvedNames of(String client) {
        return byClient.computeIfAbsent(client, c -> new ResolvedNames(bound));
    }

    /** A new per-client bound (the quota of synthetic names changed); older answers over it are forgotten. */
    void bound(int newBound) {
        bound = newBound;
        byClient.values().forEach(r -> r.bound(newBound));
    }

    /** Forgets every answer of {@code client} (removed or changed by a reload). */
    void forget(String client) {
        byClient.remove(client);
    }

    /** Answers remembered for {@code client} now (tests, status). */
    int size(String client) {
        ResolvedNames r = byClient.get(client);
        return r == null ? 0 : r.size();
    }
}
