package dev.pinhole.wireguard;

/** Where a peer's Noise handshake stands; the names follow the message last created or consumed. */
enum HandshakeState {
    ZEROED,
    INITIATION_CREATED,
    INITIATION_CONSUMED,
    RESPONSE_CREATED,
    RESPONSE_CONSUMED
}
