package dev.pinhole.netstack.tcp;

import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.TcpSegmentBuilder;
import dev.pinhole.time.Ticker;
import dev.pinhole.time.TokenBucket;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The RST for a segment of a connection that does not exist (RFC 9293 3.10.7.1: a segment with ACK gets
 * {@code <SEQ=SEG.ACK><CTL=RST>}, one without gets {@code <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>}, a RST gets
 * nothing), within a bound: a token bucket per source address and one for all sources together, so a stream of
 * stray segments (a client's backlog after a failover, or a flood) costs at most a fixed rate of replies.
 *
 * <p>Why a bound at all when a reply is never larger than what provoked it: the replies are sent to whoever the
 * source address names, and a forwarder in front of this class may send them further (the tunnel encrypts each
 * one). A refused reply only delays the peer's own timeout; it is counted ({@link #limited()}).
 *
 * <p>The source table holds at most {@code maxSources} buckets; a bucket that has refilled to its burst is the same
 * as no bucket and is dropped first, and when every bucket is still in use a new source is refused (never a known
 * one evicted). Not thread-safe: one instance per event loop.
 */
public final class NoConnectionResets {
    /** What {@link #answer} did. */
    public enum Outcome {
        /** A RST was written. */
        SENT,
        /** The offending segment was a RST: never answered. */
        NOT_FOR_A_RESET,
        /** Over the rate of its source or of all sources: nothing written. */
        RATE_LIMITED
    }

    /** A token bucket's shape: {@code perSecond} replies on average, {@code burst} at once. */
    public record Rate(int perSecond, int burst) {
        public Rate {
            if (perSecond <= 0 || burst <= 0) {
                throw new IllegalArgumentException("rate and burst must be positive: " + perSecond + "/s, " + burst);
            }
        }
    }

    /**
     * 200 per second and 400 at once per source (a browser's few dozen connections, each retransmitting, all end
     * at once after a failover), 2,000 per second and 4,000 at once in all, 4,096 sources.
     */
    public static NoConnectionResets defaults(Ticker ticker) {
        return new NoConnectionResets(ticker, new Rate(200, 400), new Rate(2_000, 4_000), 4_096);
    }

    private final Ticker ticker;
    private final Rate perSource;
    private final int maxSources;
    private final Map<ByteBuffer, TokenBucket> sources = new HashMap<>();
    private final TokenBucket total;
    private long limited;

    public NoConnectionResets(Ticker ticker, Rate perSource, Rate all, int maxSources) {
        if (maxSources <= 0) {
            throw new IllegalArgumentException("maxSources must be positive: " + maxSources);
        }
        this.ticker = ticker;
        this.perSource = perSource;
        this.total = new TokenBucket(all.perSecond(), all.burst());
        this.maxSources = maxSources;
    }

    /**
     * Writes into {@code out} (cleared first) the RST due for {@code offending}, a segment that belongs to no
     * connection, if the bound allows it; the packet then spans {@code out}'s position to its limit.
     */
    public Outcome answer(ByteBuffer out, ParseResult.TcpSegment offending) {
        if (offending.tcp().rst()) {
            return Outcome.NOT_FOR_A_RESET;
        }
        long now = ticker.nanoTime();
        if (!total.available(now)) {
            limited++;
            return Outcome.RATE_LIMITED;
        }
        TokenBucket source = sourceBucket(ByteBuffer.wrap(offending.ip().sourceBytes()), now);
        if (source == null || !source.take(now)) {
            limited++;
            return Outcome.RATE_LIMITED;
        }
        total.take(now);
        out.clear();
        TcpSegmentBuilder.writeResetFor(out, offending);
        return Outcome.SENT;
    }

    /** Replies refused by the bound since the start. */
    public long limited() {
        return limited;
    }

    /** Sources with a bucket that has not refilled yet (tests). */
    int trackedSources() {
        return sources.size();
    }

    private TokenBucket sourceBucket(ByteBuffer key, long now) {
        TokenBucket b = sources.get(key);
        if (b != null) {
            return b;
        }
        if (sources.size() >= maxSources) {
            forgetRefilled(now);
            if (sources.size() >= maxSources) {
                return null;
            }
        }
        b = new TokenBucket(perSource.perSecond(), perSource.burst());
        sources.put(key, b);
        return b;
    }

    private void forgetRefilled(long now) {
        sources.values().removeIf(b -> b.full(now));
    }
}
