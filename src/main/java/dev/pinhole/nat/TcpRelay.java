package dev.pinhole.nat;

import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.TcpFlags;
import dev.pinhole.netstack.packet.TcpSegmentBuilder;
import dev.pinhole.netstack.tcp.NoConnectionResets;
import dev.pinhole.netstack.tcp.LentPacket;
import dev.pinhole.netstack.tcp.SegmentSink;
import dev.pinhole.netstack.tcp.SynRequest;
import dev.pinhole.netstack.tcp.TcpConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * TCP side of the NAT: opens a {@link TcpFlow} for a client's SYN (after the flow limits), routes later segments to
 * their flow and answers segments of unknown flows with a RST. Loop thread only.
 */
public final class TcpRelay {
    private static final Logger LOG = Logger.getLogger(TcpRelay.class.getName());

    final RelayLoop loop;
    final FlowTable table;
    final TcpConfig tcpConfig;
    final NatTimeouts timeouts;
    final SegmentSink toTunnel;
    final NatEvents events;
    final SecureRandom random = new SecureRandom();
    /** RSTs for refused segments are built here and lent to {@link #toTunnel} at once. */
    private final LentPacket resetOut = new LentPacket(128);
    private final TcpSegmentBuilder resetBuilder = new TcpSegmentBuilder();
    /** Segments of connections this relay does not have are answered at a bounded rate. */
    private final NoConnectionResets resets;
    /** Flows that received segments since {@link #beginBatch()}; finished by {@link #endBatch()}. */
    private final ArrayList<TcpFlow> batch = new ArrayList<>();
    private boolean batching;
    final BufferBudgets budgets;
    /**
     * Flows that stopped reading their socket because their client's buffer budget was full. Nothing on such a
     * flow may wake it (its own buffers can be empty), so they are retried every {@link #BUDGET_RETRY_NANOS}.
     */
    private final LinkedHashSet<TcpFlow> waitingForBudget = new LinkedHashSet<>();
    private final RelayLoop.Timer budgetRetry;
    static final long BUDGET_RETRY_NANOS = 5_000_000L;

    public TcpRelay(RelayLoop loop, FlowTable table, TcpConfig tcpConfig, NatTimeouts timeouts, SegmentSink toTunnel,
                    NatEvents events) {
        this(loop, table, tcpConfig, timeouts, toTunnel, events, BufferBudgets.UNLIMITED);
    }

    /** A relay whose flows charge their buffers to their client's share of {@code budgets}. */
    public TcpRelay(RelayLoop loop, FlowTable table, TcpConfig tcpConfig, NatTimeouts timeouts, SegmentSink toTunnel,
                    NatEvents events, BufferBudgets budgets) {
        this.loop = loop;
        this.table = table;
        this.tcpConfig = tcpConfig;
        this.timeouts = timeouts;
        this.toTunnel = toTunnel;
        this.events = events;
        this.budgets = budgets;
        this.resets = NoConnectionResets.defaults(loop.ticker());
        this.budgetRetry = loop.timer(this::retryBudgetWaiters);
    }

    /** {@code flow} paused its socket reads on its client's budget: it is retried until room frees up. */
    void waitForBudget(TcpFlow flow) {
        if (waitingForBudget.add(flow) && !budgetRetry.armed()) {
            budgetRetry.arm(loop.ticker().nanoTime() + BUDGET_RETRY_NANOS);
        }
    }

    void stopWaitingForBudget(TcpFlow flow) {
        waitingForBudget.remove(flow);
    }

    private void retryBudgetWaiters() {
        List<TcpFlow> waiting = new ArrayList<>(waitingForBudget);
        waitingForBudget.clear();
        for (TcpFlow flow : waiting) {
            flow.retryAfterBudget();
        }
        if (!waitingForBudget.isEmpty()) {
            budgetRetry.arm(loop.ticker().nanoTime() + BUDGET_RETRY_NANOS);
        }
    }

    /** Flows waiting for their client's buffer budget now (tests, status). */
    public int flowsWaitingForBudget() {
        return waitingForBudget.size();
    }

    /**
     * Starts a burst of client segments (what the tunnel delivered in one go): until {@link #endBatch()}, flows
     * keep the bytes they receive in their endpoint and hold their routine ACKs, so a burst costs one socket
     * write and one ACK per flow instead of a write per segment and an ACK per two.
     */
    public void beginBatch() {
        batching = true;
    }

    /** Ends the burst: each flow that got segments writes them to its socket, then sends its one ACK. */
    public void endBatch() {
        batching = false;
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).finishBatch();
        }
        batch.clear();
    }

    /** True while a burst is open; a flow that joins it is finished by {@link #endBatch()}. */
    boolean joinBatch(TcpFlow flow) {
        if (batching) {
            batch.add(flow);
        }
        return batching;
    }

    /** Hands a client segment to its existing flow; false when there is none. */
    public boolean deliver(FlowKey key, ParseResult.TcpSegment segment) {
        Flow flow = table.get(key);
        if (flow instanceof TcpFlow tcp) {
            tcp.onSegment(segment);
            return true;
        }
        return false;
    }

    /**
     * Opens a flow for the client's initial SYN towards the first reachable of {@code targets}, or refuses it with
     * a RST when a limit is reached. Anything but an initial SYN is answered with a RST ({@link
     * NatDropReason#NO_FLOW}).
     *
     * @return the new flow, or empty when refused
     */
    public Optional<TcpFlow> open(FlowKey key, String client, ParseResult.TcpSegment segment,
                                  List<InetSocketAddress> targets) {
        return open(key, client, segment, targets, null);
    }

    /** As above; the flow carries {@code label} ({@link Flow#label()}) from its first event on. */
    public Optional<TcpFlow> open(FlowKey key, String client, ParseResult.TcpSegment segment,
                                  List<InetSocketAddress> targets, Object label) {
        var tcp = segment.tcp();
        if (!tcp.syn() || tcp.ack() || tcp.rst()) {
            refuse(key, client, segment, NatDropReason.NO_FLOW);
            return Optional.empty();
        }
        Optional<NatDropReason> limited = table.admit(client);
        if (limited.isPresent()) {
            refuse(key, client, segment, limited.get());
            return Optional.empty();
        }
        TcpFlow flow = new TcpFlow(this, key, client, SynRequest.from(segment), targets, loop.ticker().nanoTime(),
                label);
        table.add(flow);
        events.opened(flow);
        flow.startConnect(loop.ticker().nanoTime());
        return flow.ended() ? Optional.empty() : Optional.of(flow);
    }

    /**
     * Answers {@code segment} with a RST and counts {@code reason}; over the reset bound ({@link
     * NoConnectionResets}) nothing is sent and {@link NatDropReason#RESET_RATE_LIMITED} is counted instead.
     */
    public void refuse(FlowKey key, String client, ParseResult.TcpSegment segment, NatDropReason reason) {
        NoConnectionResets.Outcome outcome = resets.answer(resetOut.fill(), segment);
        events.refused(key, client, outcome == NoConnectionResets.Outcome.RATE_LIMITED
                ? NatDropReason.RESET_RATE_LIMITED : reason);
        if (outcome == NoConnectionResets.Outcome.SENT) {
            resetOut.lendTo(toTunnel);
        }
    }

    /** The RST|ACK a closed port would have sent for the client's SYN (RFC 9293 3.10.7.1). */
    void sendResetForSyn(SynRequest syn) {
        resetBuilder.addresses(syn.app().getAddress(), syn.appPort(), syn.client().getAddress(), syn.clientPort())
                .begin(0, syn.initialSequence() + 1, TcpFlags.RST | TcpFlags.ACK, 0)
                .writeTo(resetOut.fill());
        resetOut.lendTo(toTunnel);
    }

    void connectAttemptFailed(TcpFlow flow, IOException e) {
        LOG.log(Level.FINE, () -> "connect failed for " + flow.key + ": " + e);
    }

    void flowEnded(Flow flow, FlowEndReason reason) {
        table.remove(flow);
        events.ended(flow, reason);
    }
}
