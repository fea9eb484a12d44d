package dev.pinhole.nat;

import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.tcp.CloseReason;
import dev.pinhole.netstack.tcp.SynRequest;
import dev.pinhole.netstack.tcp.TcpEndpoint;
import dev.pinhole.netstack.tcp.TcpEventListener;
import dev.pinhole.netstack.tcp.TcpState;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * One TCP flow: the client's connection, terminated by a {@link TcpEndpoint}, relayed to a non-blocking
 * {@link SocketChannel} to the real destination.
 *
 * <p>Phases: {@link Phase#CONNECTING} holds only the client's SYN while the real connect runs (the client sees no
 * SYN-ACK yet, so a refused or unanswered destination becomes a RST, as if it had answered itself); then
 * {@link Phase#RELAYING} with the endpoint created and bytes flowing both ways; then {@link Phase#ENDED}.
 *
 * <p>Back-pressure. Destination → client: the socket is read only while the endpoint's send buffer has room
 * under its capacity and the client's buffer budget ({@code OP_READ} is dropped when it is full and restored on
 * {@code onWritable}, or by the relay's budget retry when the budget was what was full): the app's socket buffer
 * fills and its TCP window closes; nothing grows here. Client → destination: the endpoint's bytes are peeked,
 * written to the socket and consumed only as far as the socket took them; the rest stays in the endpoint (counted
 * once, in the budget) with {@code OP_WRITE} set, and meanwhile the unread bytes shrink the window the endpoint
 * advertises to the client.
 *
 * <p>FIN and RST cross over: client FIN → socket {@code shutdownOutput}; socket EOF → endpoint
 * {@code shutdownOutput}; a reset or socket error on either side resets the other.
 */
public final class TcpFlow extends Flow implements TcpEventListener, RelayLoop.IoHandler {
    /** Where the flow is in its life. */
    public enum Phase { CONNECTING, RELAYING, ENDED }

    private final TcpRelay relay;
    private final SynRequest syn;
    private final List<InetSocketAddress> targets;
    private final RelayLoop.Timer timer;
    private int targetIndex;
    private long connectDeadline;
    private Phase phase = Phase.CONNECTING;
    private SocketChannel channel;
    private SelectionKey selectionKey;
    private TcpEndpoint endpoint;
    private boolean clientFinForwarded;
    private boolean socketEof;
    /** OP_READ is off because the endpoint's send buffer was full. */
    private boolean readPaused;
    /** The endpoint closed normally while client bytes still wait for the socket: deliver them, then end. */
    private boolean draining;
    /** Part of the relay's current burst: socket writes, ACKs and the timer wait for {@link #finishBatch()}. */
    private boolean inBatch;
    private InetSocketAddress connectedTo;
    private NatDropReason connectFailure = NatDropReason.CONNECT_REFUSED;
    /** The last real address a connect was tried to: a connect-failed end record names it. */
    private InetSocketAddress tried;

    TcpFlow(TcpRelay relay, FlowKey key, String client, SynRequest syn, List<InetSocketAddress> targets, long now,
            Object label) {
        super(key, client, now, label);
        packetsFromClient = 1; // the SYN
        this.relay = relay;
        this.syn = syn;
        this.targets = List.copyOf(targets);
        this.timer = relay.loop.timer(this::onTimer);
    }

    public Phase phase() {
        return phase;
    }

    /** The real address the socket connected to, or null before. */
    public InetSocketAddress connectedTo() {
        return connectedTo;
    }

    /**
     * The real address the socket connected to or, when no connect succeeded, the last one tried (also when the
     * connect failed in the call itself, before any was pending); null before the first try.
     */
    @Override
    public InetSocketAddress realTarget() {
        return tried;
    }

    /** Bytes the flow's endpoint holds in buffers now (0 while connecting). */
    public int bufferMemoryBytes() {
        return endpoint == null ? 0 : endpoint.bufferMemoryBytes();
    }

    /** The endpoint's state, or null while connecting. */
    public TcpState endpointState() {
        return endpoint == null ? null : endpoint.state();
    }

    void startConnect(long now) {
        connectDeadline = now + relay.timeouts.tcpConnect().toNanos();
        timer.arm(connectDeadline);
        connectNext();
    }

    /** Tries the next real address; when none is left the client gets its RST. */
    private void connectNext() {
        while (targetIndex < targets.size()) {
            InetSocketAddress target = targets.get(targetIndex++);
            tried = target;
            SocketChannel ch = null;
            try {
                ch = SocketChannel.open();
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                channel = ch;
                selectionKey = relay.loop.register(ch, 0, this);
                if (ch.connect(target)) {
                    onSocketConnected(target);
                } else {
                    selectionKey.interestOps(SelectionKey.OP_CONNECT);
                    connectedTo = target;
                }
                return;
            } catch (IOException e) {
                closeQuietly(ch);
                channel = null;
                connectFailed(e);
            }
        }
        refuse(connectFailure);
    }

    private void refuse(NatDropReason reason) {
        relay.events.refused(key, client, reason);
        relay.sendResetForSyn(syn);
        end(FlowEndReason.CONNECT_FAILED);
    }

    @Override
    public void onReady(SelectionKey key) {
        if (phase == Phase.ENDED) {
            return;
        }
        if (phase == Phase.CONNECTING) {
            if (key.isConnectable()) {
                finishConnect();
            }
            return;
        }
        if (key.isValid() && key.isWritable()) {
            pumpToSocket();
        }
        if (phase == Phase.RELAYING && key.isValid() && key.isReadable()) {
            pumpFromSocket();
        }
        afterEndpointCall();
    }

    private void finishConnect() {
        try {
            if (channel.finishConnect()) {
                onSocketConnected(connectedTo);
            }
        } catch (IOException e) {
            connectFailed(e);
            selectionKey.cancel();
            closeQuietly(channel);
            channel = null;
            connectNext();
        }
    }

    private void onSocketConnected(InetSocketAddress target) {
        connectedTo = target;
        phase = Phase.RELAYING;
        timer.disarm();
        endpoint = TcpEndpoint.accept(relay.tcpConfig, syn, relay.random.nextInt(), relay.loop.ticker(),
                relay.toTunnel, this, relay.budgets.of(client), relay.budgets.forSending(client));
        selectionKey.interestOps(SelectionKey.OP_READ);
        touch();
        afterEndpointCall();
    }

    /** A segment from the client for this flow. */
    void onSegment(ParseResult.TcpSegment segment) {
        packetsFromClient++;
        touch();
        if (phase == Phase.CONNECTING) {
            // Retransmitted SYNs wait for the connect; a RST from the client abandons it.
            if (segment.tcp().rst()) {
                end(FlowEndReason.RESET);
            }
            return;
        }
        if (phase == Phase.RELAYING) {
            if (!inBatch && relay.joinBatch(this)) {
                inBatch = true;
                endpoint.holdAcks();
            }
            endpoint.onSegment(segment);
            if (!inBatch) {
                afterEndpointCall();
            }
        }
    }

    /** The end of the relay's burst: the burst's bytes go to the socket in one write, then the one ACK. */
    void finishBatch() {
        inBatch = false;
        if (phase != Phase.RELAYING) {
            return;
        }
        pumpToSocket();
        if (phase == Phase.RELAYING) {
            endpoint.flushAcks();
            afterEndpointCall();
        }
    }

    // ------------------------------------------------------------ endpoint events

    @Override
    public void onReadable() {
        if (!inBatch) {
            pumpToSocket();
        }
    }

    @Override
    public void onWritable() {
        resumeSocketReads();
    }

    /** The relay's budget retry: room may have freed up in the client's budget. */
    void retryAfterBudget() {
        resumeSocketReads();
        if (phase == Phase.RELAYING && readPaused && endpoint.writeBlockedByBudget()) {
            // Still no room: keep waiting, or nothing would ever wake a flow whose own buffers are empty.
            relay.waitForBudget(this);
        }
        afterEndpointCall();
    }

    /** Send-buffer room again (an ACK from the client freed it): read the socket again. */
    private void resumeSocketReads() {
        if (readPaused && phase == Phase.RELAYING && !socketEof && selectionKey.isValid()
                && endpoint.writableBytes() > 0) {
            readPaused = false;
            selectionKey.interestOps(selectionKey.interestOps() | SelectionKey.OP_READ);
            pumpFromSocket();
        }
    }

    @Override
    public void onClosed(CloseReason reason) {
        if (reason == CloseReason.NORMAL && phase == Phase.RELAYING && undelivered()) {
            // Both FINs are done on the tunnel side, but the destination has not taken everything the client
            // sent: a normal close must not drop those bytes.
            draining = true;
            timer.disarm();
            pumpToSocket();
            return;
        }
        end(reason == CloseReason.NORMAL ? FlowEndReason.CLOSED : FlowEndReason.RESET);
    }

    private boolean undelivered() {
        return channel != null && channel.isOpen() && (!clientFinForwarded || endpoint.readableBytes() > 0);
    }

    // ------------------------------------------------------------ relaying

    /** Client → destination: endpoint bytes into the socket until either runs dry. */
    private void pumpToSocket() {
        if (phase != Phase.RELAYING || channel == null || !channel.isOpen()) {
            return;
        }
        try {
            ByteBuffer buf = relay.loop.scratch();
            while (true) {
                buf.clear();
                int n = endpoint.peek(buf);
                if (n < 0) {
                    if (!clientFinForwarded) {
                        clientFinForwarded = true;
                        channel.shutdownOutput();
                        maybeCloseSocket();
                    }
                    if (draining) {
                        end(FlowEndReason.CLOSED);
                        return;
                    }
                    break;
                }
                if (n == 0) {
                    break;
                }
                touch();
                buf.flip();
                int written = channel.write(buf);
                bytesFromClient += written;
                // Only what the socket took leaves the endpoint; the rest waits there for OP_WRITE.
                endpoint.consume(written);
                if (phase != Phase.RELAYING) {
                    return;
                }
                if (written < n) {
                    wantWrite(true);
                    return;
                }
            }
            wantWrite(false);
        } catch (IOException e) {
            // The destination reset or vanished: the client hears it as a reset too.
            socketFailed();
        }
    }

    /** Destination → client: socket bytes into the endpoint while its send buffer has room. */
    private void pumpFromSocket() {
        if (phase != Phase.RELAYING || socketEof || channel == null || !channel.isOpen()) {
            return;
        }
        try {
            ByteBuffer buf = relay.loop.scratch();
            int room;
            while ((room = endpoint.writableBytes()) > 0) {
                buf.clear().limit(Math.min(buf.capacity(), room));
                int n = channel.read(buf);
                if (n < 0) {
                    socketEof = true;
                    selectionKey.interestOps(selectionKey.interestOps() & ~SelectionKey.OP_READ);
                    endpoint.shutdownOutput();
                    maybeCloseSocket();
                    return;
                }
                if (n == 0) {
                    return;
                }
                touch();
                bytesToClient += n;
                buf.flip();
                endpoint.write(buf);
            }
            if (selectionKey.isValid()) {
                // Full send buffer: stop reading until the client acknowledges (resumeSocketReads).
                readPaused = true;
                selectionKey.interestOps(selectionKey.interestOps() & ~SelectionKey.OP_READ);
                if (endpoint.writeBlockedByBudget()) {
                    // The client's budget, not this flow's buffer, is full: an ACK on this flow may never come.
                    relay.events.refused(key, client, NatDropReason.BUFFER_BUDGET);
                    relay.waitForBudget(this);
                }
            }
        } catch (IOException e) {
            socketFailed();
        }
    }

    private void wantWrite(boolean on) {
        if (selectionKey.isValid()) {
            int ops = selectionKey.interestOps();
            selectionKey.interestOps(on ? ops | SelectionKey.OP_WRITE : ops & ~SelectionKey.OP_WRITE);
        }
    }

    /** Both directions done on the socket side: release it early; the endpoint may linger in TIME_WAIT. */
    private void maybeCloseSocket() {
        if (clientFinForwarded && socketEof) {
            selectionKey.cancel();
            closeQuietly(channel);
        }
    }

    private void socketFailed() {
        if (endpoint != null && phase == Phase.RELAYING) {
            endpoint.abort();
        }
        end(FlowEndReason.RESET);
    }

    private void afterEndpointCall() {
        if (phase != Phase.RELAYING || draining) {
            return;
        }
        // Reads are sized to the free room, so the endpoint never sees a short write and never fires
        // onWritable: resuming is checked here, after every segment and timer.
        resumeSocketReads();
        if (phase != Phase.RELAYING) {
            return;
        }
        long deadline = endpoint.nextTimerDeadline();
        if (deadline == TcpEndpoint.NO_DEADLINE) {
            timer.disarm();
        } else {
            timer.arm(deadline);
        }
    }

    private void onTimer() {
        if (phase == Phase.CONNECTING) {
            if (relay.loop.ticker().nanoTime() - connectDeadline >= 0) {
                refuse(NatDropReason.CONNECT_TIMEOUT);
            }
            return;
        }
        if (phase == Phase.RELAYING) {
            endpoint.onTimer();
            afterEndpointCall();
        }
    }

    private void touch() {
        lastActivityNanos = relay.loop.ticker().nanoTime();
    }

    /** Segments the endpoint sent (SYN-ACK, data, ACKs, retransmissions, FIN, RST). */
    @Override
    public long packetsToClient() {
        return endpoint == null ? packetsToClient : packetsToClient + endpoint.segmentsSent();
    }

    @Override
    long idleTimeoutNanos(NatTimeouts timeouts) {
        if (phase == Phase.CONNECTING) {
            // The connect timer ends it first; this only guards against a lost timer.
            return timeouts.tcpConnect().toNanos() * 2;
        }
        boolean halfClosed = clientFinForwarded || socketEof;
        return (halfClosed ? timeouts.tcpHalfClosed() : timeouts.tcpEstablished()).toNanos();
    }

    @Override
    void end(FlowEndReason reason) {
        if (phase == Phase.ENDED) {
            return;
        }
        phase = Phase.ENDED;
        endReason = reason;
        timer.disarm();
        relay.stopWaitingForBudget(this);
        if (endpoint != null && endpoint.state() != TcpState.CLOSED && reason != FlowEndReason.CLOSED) {
            endpoint.abort();
        } else if (endpoint == null && reason == FlowEndReason.REVOKED) {
            // Still connecting: the client's SYN has had no answer yet; a RST ends its wait at once.
            relay.sendResetForSyn(syn);
        }
        if (endpoint != null) {
            endpoint.releaseBuffers();
        }
        if (channel != null) {
            if (selectionKey != null) {
                selectionKey.cancel();
            }
            if (reason != FlowEndReason.CLOSED && channel.isOpen()) {
                try {
                    // SO_LINGER 0: close sends a RST, so the destination learns the flow was cut.
                    channel.setOption(StandardSocketOptions.SO_LINGER, 0);
                } catch (IOException | RuntimeException e) {
                    // not connected yet or already closed: a plain close is all there is
                }
            }
            closeQuietly(channel);
        }
        relay.flowEnded(this, reason);
    }

    private void connectFailed(IOException e) {
        connectFailure = e instanceof ConnectException && !(e instanceof java.net.NoRouteToHostException)
                ? NatDropReason.CONNECT_REFUSED : NatDropReason.SOCKET_ERROR;
        relay.connectAttemptFailed(this, e);
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    @Override
    public String toString() {
        return "TcpFlow[" + key + " " + phase + (endpoint == null ? "" : " " + endpoint) + "]";
    }
}
