package dev.pinhole.nat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;

/**
 * One UDP flow: the client's datagrams to one app address and port, relayed through a {@link DatagramChannel}
 * connected to one real address; replies come back from the app address the client dialled. An ICMP port
 * unreachable from the destination is relayed to the client and ends the flow.
 */
public final class UdpFlow extends Flow implements RelayLoop.IoHandler {
    private final UdpRelay relay;
    private final DatagramChannel channel;
    private final SelectionKey selectionKey;
    private final InetSocketAddress target;
    private final byte[] clientBytes;
    private final byte[] appBytes;

    UdpFlow(UdpRelay relay, FlowKey key, String client, DatagramChannel channel, InetSocketAddress target, long now,
            Object label) throws IOException {
        super(key, client, now, label);
        this.relay = relay;
        this.channel = channel;
        this.target = target;
        this.clientBytes = key.client().toBytes();
        this.appBytes = key.app().toBytes();
        this.selectionKey = relay.loop.register(channel, SelectionKey.OP_READ, this);
    }

    public InetSocketAddress target() {
        return target;
    }

    @Override
    public InetSocketAddress realTarget() {
        return target;
    }

    /** Client → destination; the payload view is read during the call only. */
    void send(ByteBuffer payload) {
        lastActivityNanos = relay.loop.ticker().nanoTime();
        packetsFromClient++;
        bytesFromClient += payload.remaining();
        try {
            // A full socket buffer drops the datagram, as a congested link would.
            channel.write(payload);
        } catch (PortUnreachableException e) {
            relay.portUnreachable(this);
        } catch (IOException e) {
            relay.sendFailed(this);
        }
    }

    @Override
    public void onReady(SelectionKey key) {
        ByteBuffer buf = relay.loop.scratch();
        try {
            while (!ended()) {
                buf.clear();
                int n = channel.read(buf);
                if (n <= 0) {
                    return;
                }
                lastActivityNanos = relay.loop.ticker().nanoTime();
                buf.flip();
                relay.reply(this, buf);
            }
        } catch (PortUnreachableException e) {
            relay.portUnreachable(this);
        } catch (IOException e) {
            end(FlowEndReason.RESET);
        }
    }

    byte[] clientBytes() {
        return clientBytes;
    }

    byte[] appBytes() {
        return appBytes;
    }

    @Override
    long idleTimeoutNanos(NatTimeouts timeouts) {
        return timeouts.udp().toNanos();
    }

    @Override
    void end(FlowEndReason reason) {
        if (endReason != null) {
            return;
        }
        endReason = reason;
        if (reason == FlowEndReason.REVOKED) {
            relay.revoked(this);
        }
        selectionKey.cancel();
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
        relay.flowEnded(this, reason);
    }

    @Override
    public String toString() {
        return "UdpFlow[" + key + " via " + target + "]";
    }
}
