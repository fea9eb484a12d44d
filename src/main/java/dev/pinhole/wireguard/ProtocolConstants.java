package dev.pinhole.wireguard;

import java.nio.charset.StandardCharsets;

/** Constants fixed by the WireGuard protocol itself (message layout, labels, counters); not tunable. */
public final class ProtocolConstants {
    private ProtocolConstants() {}

    public static final byte[] CONSTRUCTION =
            "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] IDENTIFIER = "WireGuard v1 zx2c4 Jason@zx2c4.com".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] LABEL_MAC1 = "mac1----".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] LABEL_COOKIE = "cookie--".getBytes(StandardCharsets.US_ASCII);

    public static final int TYPE_INITIATION = 1;
    public static final int TYPE_RESPONSE = 2;
    public static final int TYPE_COOKIE_REPLY = 3;
    public static final int TYPE_TRANSPORT = 4;

    public static final int INITIATION_LEN = 148;
    public static final int RESPONSE_LEN = 92;
    public static final int COOKIE_REPLY_LEN = 64;
    /** Header (16) plus the Poly1305 tag of an empty payload (16). */
    public static final int TRANSPORT_MIN_LEN = 32;
    public static final int TRANSPORT_HEADER_LEN = 16;

    /** Initiation: type(4) sender(4) ephemeral(32) static(32+16) timestamp(12+16) mac1(16) mac2(16). */
    public static final int INIT_SENDER = 4;
    public static final int INIT_EPHEMERAL = 8;
    public static final int INIT_STATIC = 40;
    public static final int INIT_TIMESTAMP = 88;
    public static final int INIT_MAC1 = 116;
    public static final int INIT_MAC2 = 132;

    /** Response: type(4) sender(4) receiver(4) ephemeral(32) empty(0+16) mac1(16) mac2(16). */
    public static final int RESP_SENDER = 4;
    public static final int RESP_RECEIVER = 8;
    public static final int RESP_EPHEMERAL = 12;
    public static final int RESP_EMPTY = 44;
    public static final int RESP_MAC1 = 60;
    public static final int RESP_MAC2 = 76;

    /** Cookie reply: type(4) receiver(4) nonce(24) cookie(16+16). */
    public static final int COOKIE_RECEIVER = 4;
    public static final int COOKIE_NONCE = 8;
    public static final int COOKIE_ENCRYPTED = 32;

    /** Transport: type(4) receiver(4) counter(8, little-endian) packet(n+16). */
    public static final int TRANSPORT_RECEIVER = 4;
    public static final int TRANSPORT_COUNTER = 8;

    public static final int PADDING_MULTIPLE = 16;
    public static final int TAI64N_LEN = 12;

    /** 2^60: an initiator rekeys after sending this many messages on one session. */
    public static final long REKEY_AFTER_MESSAGES = 1L << 60;
    /** 2^64 - 2^13 - 1 as an unsigned 64-bit value: no message may use a counter at or past it. */
    public static final long REJECT_AFTER_MESSAGES = -1L - (1L << 13);
}
