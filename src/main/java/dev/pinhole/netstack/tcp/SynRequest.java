package dev.pinhole.netstack.tcp;

import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.TcpOptions;
import java.net.InetAddress;

/**
 * What an endpoint needs from a client's SYN, copied out of the packet so the NAT layer may create the endpoint
 * later (after its real connect succeeds) when the packet buffer is long gone.
 *
 * @param client        the client's tunnel address (source of the SYN)
 * @param clientPort    the client's port
 * @param app           the address the client dialled (destination of the SYN); our segments come from it
 * @param appPort       the port the client dialled
 * @param initialSequence the client's ISN (IRS)
 * @param window        the SYN's window field (never scaled)
 * @param options       the SYN's options (MSS, window scale, SACK-permitted, timestamps)
 */
public record SynRequest(InetAddress client, int clientPort, InetAddress app, int appPort, int initialSequence,
                         int window, TcpOptions options) {
    public SynRequest {
        if (client.getAddress().length != app.getAddress().length) {
            throw new IllegalArgumentException("client and app address families differ");
        }
    }

    /** Copies the request out of a parsed SYN; the segment must have SYN set and ACK clear. */
    public static SynRequest from(ParseResult.TcpSegment syn) {
        var t = syn.tcp();
        if (!t.syn() || t.ack() || t.rst()) {
            throw new IllegalArgumentException("not an initial SYN: flags " + t.flags());
        }
        return new SynRequest(syn.ip().source(), t.sourcePort(), syn.ip().destination(), t.destinationPort(),
                t.sequenceNumber(), t.window(), t.options());
    }

    /** 4 or 6. */
    public int ipVersion() {
        return client.getAddress().length == 4 ? 4 : 6;
    }
}
