package dev.pinhole.wireguard;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.wireguard.crypto.OpenStrategy;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The connector's WireGuard endpoint as a sans-I/O state machine (wireguard-go's {@code device/device.go}): our
 * identity, the peer table, cryptokey routing and receiver indices. The caller feeds it datagrams, outbound IP
 * packets and ticks with the current monotonic time; results come back through {@link Output} during the call.
 *
 * <p>Each concern has its own class: {@link DatagramReceiver} (receive path: type and exact length → (handshake)
 * {@link HandshakeAdmission}: MAC1 → load check → MAC2/cookie reply → per-source limit → Noise → peer;
 * (transport) index → peer decrypts → inner header → source AllowedIPs check → deliver; an index we do not hold
 * goes to {@link SessionRecovery}), {@link OutboundRouter} (send path: destination AllowedIPs → peer), and
 * {@link Peer}, each peer's session: handshake, keypairs, timers, staged packets, encrypt and decrypt.
 *
 * <p>Threading: any number of threads may call in at once. Decryption and encryption run without locks on
 * immutable keys; the replay window, a peer's session, the index table and the DoS state each have their own
 * monitor, taken in the order peer → (index table | allowed IPs | cookie checker) and never back.
 */
public final class WireGuardDevice {
    private final LocalIdentity identity;
    private final PublicKey publicKey;
    private final IndexTable indices;
    private final SessionRecovery recovery;
    private final AllowedIps allowedIps = new AllowedIps();
    private final ConcurrentHashMap<PublicKey, Peer> peers = new ConcurrentHashMap<>();
    private final WireGuardDropCounters drops = new WireGuardDropCounters();
    private final HandshakeAdmission admission;
    private final DatagramReceiver receiver;
    private final OutboundRouter router;
    /** What every peer's session shares with the device. */
    private final PeerContext peerContext;

    public WireGuardDevice(DeviceConfig config) {
        TimerConfig timers = config.timers();
        this.identity = new LocalIdentity(config.privateKey());
        this.publicKey = PublicKey.of(identity.publicKey);
        RecoverableIndex format = RecoverableIndex.fromPrivateKey(identity.privateKey);
        this.indices = new IndexTable(config.random(), format);
        this.recovery = new SessionRecovery(format, config.recovery(), timers);
        ThreadLocal<PacketScratch> scratch = ThreadLocal.withInitial(PacketScratch::new);
        this.peerContext = new PeerContext(identity, indices, timers, config.mtu(), config.random(), config.clock(),
                drops, scratch, config.openStrategy());
        this.admission = new HandshakeAdmission(identity, config, drops);
        this.receiver = new DatagramReceiver(peerContext, peers::get, allowedIps, admission, recovery);
        this.router = new OutboundRouter(allowedIps, drops);
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** How transport messages are opened on this device (sessions that met forgeries check tags first anyway). */
    public OpenStrategy openStrategy() {
        return peerContext.openStrategy();
    }

    /** The tunnel MTU: the largest inner packet sent without fragmenting, and what receive buffers are sized for. */
    public int mtu() {
        return peerContext.mtu();
    }

    public WireGuardDropCounters drops() {
        return drops;
    }

    /** Session recovery attempts by outcome (all zero while recovery is off). */
    public RecoveryCounters recoveries() {
        return recovery.counters();
    }

    // ---------------------------------------------------------------- peers

    /** Adds a peer or updates an existing one in place (sessions survive an update). */
    public Peer upsertPeer(PeerConfig cfg) {
        applyPeers(List.of(cfg), List.of());
        return peers.get(cfg.publicKey());
    }

    /** Removes a peer: its sessions are wiped and its indices forgotten at once. */
    public boolean removePeer(PublicKey key) {
        return applyPeers(List.of(), List.of(key)) == 1;
    }

    /**
     * Removes the peers of {@code removals}, then adds or updates (in place: sessions survive) each of {@code
     * upserts}, and sets every AllowedIPs change in one go: a config of thousands of peers costs one cryptokey
     * routing rebuild, and a peer whose settings did not change costs a lookup. Returns how many peers were removed.
     */
    public int applyPeers(List<PeerConfig> upserts, Collection<PublicKey> removals) {
        List<Peer> gone = new ArrayList<>();
        for (PublicKey key : removals) {
            Peer peer = peers.remove(key);
            if (peer != null) {
                gone.add(peer);
            }
        }
        // Sessions and indices go before the upserts: inbound packets find their peer through the index table,
        // so a removed client would otherwise keep forwarding while thousands of new peers are set up (one
        // X25519 each); the cryptokey routing entries go in the one rebuild below.
        for (Peer peer : gone) {
            recovery.unregister(peer);
            peer.remove();
        }
        Map<Peer, List<Cidr>> routes = new HashMap<>();
        for (PeerConfig cfg : upserts) {
            Peer peer = peers.computeIfAbsent(cfg.publicKey(), k -> new Peer(k, peerContext, recovery.tagOf(k)));
            peer.configure(cfg);
            routes.put(peer, cfg.allowedIps());
            recovery.register(peer);
        }
        allowedIps.apply(routes, gone);
        return gone.size();
    }

    public Optional<Peer> peer(PublicKey key) {
        return Optional.ofNullable(peers.get(key));
    }

    public Collection<Peer> peers() {
        return List.copyOf(peers.values());
    }

    public List<Cidr> allowedIps(Peer peer) {
        return allowedIps.prefixesOf(peer);
    }

    /** Starts a handshake with {@code key} now (if it has an endpoint), as the first send of data would. */
    public void initiateHandshake(PublicKey key, long now, Output out) {
        Peer peer = peers.get(key);
        if (peer != null) {
            peer.initiateHandshake(now, out);
        }
    }

    /** Sends a keepalive to {@code key} (handshaking first if needed). */
    public void sendKeepalive(PublicKey key, long now, Output out) {
        Peer peer = peers.get(key);
        if (peer != null) {
            peer.sendKeepalive(now, out);
        }
    }

    // ---------------------------------------------------------------- receive

    /** Handles one UDP datagram from {@code from}; never answers one that does not authenticate. */
    public void onDatagram(ByteBuffer datagram, InetSocketAddress from, long now, Output out) {
        receiver.receive(datagram, from, now, out);
    }

    // ---------------------------------------------------------------- send

    /** Routes an IP packet by destination to its peer and sends it encrypted (or queues it behind a handshake). */
    public void onOutboundPacket(ByteBuffer ipPacket, long now, Output out) {
        router.route(ipPacket, now, out);
    }

    // ---------------------------------------------------------------- timers

    /** Runs expired timers of every peer; call it every ~100 ms (the jitter granularity does not need finer). */
    public void onTick(long now, Output out) {
        for (Peer peer : peers.values()) {
            peer.tick(now, out);
        }
        admission.sweep(now);
    }

    /** Number of live receiver indices (handshakes plus keypairs); for leak checks. */
    int indexCount() {
        return indices.size();
    }
}
