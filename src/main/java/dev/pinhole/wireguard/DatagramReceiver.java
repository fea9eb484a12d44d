package dev.pinhole.wireguard;

import static dev.pinhole.wireguard.ProtocolConstants.*;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Function;

/**
 * The device's receive path (wireguard-go {@code device/receive.go}): checks a datagram's type and exact length
 * and dispatches it. Handshake messages pass {@link HandshakeAdmission}, then Noise, then go to their peer by
 * static key (initiation) or receiver index (response, cookie reply). A transport message goes by receiver index
 * to its peer, which decrypts it; the inner packet's source must be one of that peer's AllowedIPs before it is
 * delivered. An index we never handed out goes to {@link SessionRecovery}.
 */
final class DatagramReceiver {
    private static final long INITIATION_MIN_INTERVAL_NANOS = 1_000_000_000L / 50;

    private final PeerContext ctx;
    private final Function<PublicKey, Peer> peers;
    private final AllowedIps allowedIps;
    private final HandshakeAdmission admission;
    private final SessionRecovery recovery;

    DatagramReceiver(PeerContext ctx, Function<PublicKey, Peer> peers, AllowedIps allowedIps,
            HandshakeAdmission admission, SessionRecovery recovery) {
        this.ctx = ctx;
        this.peers = peers;
        this.allowedIps = allowedIps;
        this.admission = admission;
        this.recovery = recovery;
    }

    /** Handles one UDP datagram from {@code from}; never answers one that does not authenticate. */
    void receive(ByteBuffer datagram, InetSocketAddress from, long now, Output out) {
        int len = datagram.remaining();
        PacketScratch s = ctx.scratch().get();
        byte[] msg;
        int off;
        if (datagram.hasArray()) {
            msg = datagram.array();
            off = datagram.arrayOffset() + datagram.position();
        } else {
            if (len > s.inCopy.length) {
                ctx.drops().count(WireGuardDropReason.MALFORMED);
                return;
            }
            datagram.get(datagram.position(), s.inCopy, 0, len);
            msg = s.inCopy;
            off = 0;
        }
        if (len < 4) {
            ctx.drops().count(WireGuardDropReason.MALFORMED);
            return;
        }
        switch (Wire.intLe(msg, off)) {
            case TYPE_INITIATION:
                if (len != INITIATION_LEN) {
                    ctx.drops().count(WireGuardDropReason.MALFORMED);
                } else {
                    receiveInitiation(msg, off, from, now, out);
                }
                break;
            case TYPE_RESPONSE:
                if (len != RESPONSE_LEN) {
                    ctx.drops().count(WireGuardDropReason.MALFORMED);
                } else {
                    receiveResponse(msg, off, from, now, out);
                }
                break;
            case TYPE_COOKIE_REPLY:
                if (len != COOKIE_REPLY_LEN) {
                    ctx.drops().count(WireGuardDropReason.MALFORMED);
                } else {
                    receiveCookieReply(msg, off, now);
                }
                break;
            case TYPE_TRANSPORT:
                if (len < TRANSPORT_MIN_LEN) {
                    ctx.drops().count(WireGuardDropReason.MALFORMED);
                } else {
                    receiveTransport(msg, off, len, s, from, now, out);
                }
                break;
            default:
                ctx.drops().count(WireGuardDropReason.MALFORMED);
        }
    }

    private void receiveInitiation(byte[] msg, int off, InetSocketAddress from, long now, Output out) {
        if (!admission.admit(msg, off, INITIATION_LEN, Wire.intLe(msg, off + INIT_SENDER), from, now, out)) {
            return;
        }
        NoiseHandshake.Consumed consumed = NoiseHandshake.consumeInitiation(msg, off, ctx.identity(), peers, now,
                INITIATION_MIN_INTERVAL_NANOS);
        if (consumed.drop() != null) {
            ctx.drops().count(consumed.drop());
            return;
        }
        consumed.peer().answerInitiation(from, now, out);
    }

    private void receiveResponse(byte[] msg, int off, InetSocketAddress from, long now, Output out) {
        if (!admission.admit(msg, off, RESPONSE_LEN, Wire.intLe(msg, off + RESP_SENDER), from, now, out)) {
            return;
        }
        IndexTable.Entry entry = ctx.indices().lookup(Wire.intLe(msg, off + RESP_RECEIVER));
        if (entry == null || entry.keypair != null) {
            ctx.drops().count(WireGuardDropReason.UNEXPECTED_HANDSHAKE);
            return;
        }
        entry.peer.receiveResponse(msg, off, from, now, out);
    }

    private void receiveCookieReply(byte[] msg, int off, long now) {
        IndexTable.Entry entry = ctx.indices().lookup(Wire.intLe(msg, off + COOKIE_RECEIVER));
        if (entry == null) {
            ctx.drops().count(WireGuardDropReason.BAD_COOKIE_REPLY);
            return;
        }
        if (!entry.peer.receiveCookieReply(msg, off, now)) {
            ctx.drops().count(WireGuardDropReason.BAD_COOKIE_REPLY);
        }
    }

    private void receiveTransport(byte[] msg, int off, int len, PacketScratch s, InetSocketAddress from,
            long now, Output out) {
        int receiver = Wire.intLe(msg, off + TRANSPORT_RECEIVER);
        IndexTable.Entry entry = ctx.indices().lookup(receiver);
        Keypair kp = entry == null ? null : entry.keypair;
        if (kp == null) {
            ctx.drops().count(WireGuardDropReason.UNKNOWN_RECEIVER);
            if (entry == null && recovery.takesOverUnknownIndices()) {
                recoverSession(receiver, from, now, out);
            }
            return;
        }
        Peer peer = entry.peer;
        int plainLen = peer.receiveTransport(kp, msg, off, len, s, from, now, out);
        if (plainLen <= 0) {
            return;
        }
        int ipLen = innerLength(s.rxPlain, plainLen);
        if (ipLen < 0) {
            ctx.drops().count(WireGuardDropReason.MALFORMED_INNER_PACKET);
            return;
        }
        boolean v4 = (s.rxPlain[0] & 0xf0) == 0x40;
        ByteBuffer view = s.lendReceived(ipLen);
        if (allowedIps.lookup(view, v4 ? 12 : 8, v4 ? 4 : 16) != peer) {
            ctx.drops().count(WireGuardDropReason.NO_ALLOWED_IP_FOR_SOURCE);
            return;
        }
        peer.delivered(ipLen);
        out.deliver(peer, view);
        PacketScratch.takeBack(view);
    }

    /**
     * A transport message to an index we never handed out, perhaps from a client whose session another replica
     * held (it died, the load balancer now sends the client here). Unless we are under load, when the index names
     * a configured client made for the message's source address and {@link SessionRecovery} admits it, one
     * initiation goes to that source, without retransmits: the client's next message after REKEY_TIMEOUT asks
     * again. Nothing here trusts the message: the endpoint moves only when the client's response authenticates,
     * and the response completes the handshake as any other does (with a keepalive at once, which makes the client
     * switch to the new session). The source must be the one the index was made for because the initiation is
     * what moves the client's endpoint: sent anywhere else, it could be relayed to the client from there.
     */
    private void recoverSession(int receiver, InetSocketAddress from, long now, Output out) {
        if (admission.underLoad(now)) {
            recovery.count(RecoveryOutcome.UNDER_LOAD);
            return;
        }
        Peer peer = recovery.peerNamedBy(receiver, from, now);
        if (peer == null) {
            return;
        }
        peer.recoverTowards(from, receiver, recovery, now, out);
    }

    /** The IP packet's own length (padding removed), or -1 when the header is not a sane IPv4/IPv6 one. */
    private static int innerLength(byte[] p, int len) {
        int version = (p[0] & 0xff) >>> 4;
        if (version == 4 && len >= 20) {
            int total = (p[2] & 0xff) << 8 | (p[3] & 0xff);
            return total >= 20 && total <= len ? total : -1;
        }
        if (version == 6 && len >= 40) {
            int total = 40 + ((p[4] & 0xff) << 8 | (p[5] & 0xff));
            return total <= len ? total : -1;
        }
        return -1;
    }
}
