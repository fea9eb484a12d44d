package dev.pinhole.dns.resolver;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * DNS over a TCP byte stream (RFC 1035 4.2.2, RFC 7766): each message is preceded by its 2-octet length.
 * Feed it the bytes a userspace TCP endpoint delivers, in any chunking; it returns the complete messages.
 * Holds at most one partial message (65,537 octets). Not thread-safe: one per connection.
 */
public final class DnsStreamFramer {
    private final ByteBuffer pending = ByteBuffer.allocate(2 + 0xffff);

    /**
     * Consumes everything between {@code data}'s position and limit (advancing the position) and returns the
     * messages it completed, without their length prefixes.
     */
    public List<byte[]> feed(ByteBuffer data) {
        List<byte[]> out = new ArrayList<>(1);
        while (data.hasRemaining()) {
            int needed = pending.position() < 2 ? 2 - pending.position() : messageLength() + 2 - pending.position();
            int take = Math.min(needed, data.remaining());
            ByteBuffer chunk = data.slice();
            chunk.limit(take);
            pending.put(chunk);
            data.position(data.position() + take);
            if (pending.position() >= 2 && pending.position() == messageLength() + 2) {
                byte[] message = new byte[messageLength()];
                pending.get(2, message);
                out.add(message);
                pending.clear();
            }
        }
        return out;
    }

    private int messageLength() {
        return ((pending.get(0) & 0xff) << 8) | (pending.get(1) & 0xff);
    }

    /** Octets of an incomplete message held back (0 between messages). */
    public int buffered() {
        return pending.position();
    }

    /** {@code message} with its 2-octet length prefix, ready to write to the stream. */
    public static byte[] frame(byte[] message) {
        if (message.length > 0xffff) {
            throw new IllegalArgumentException("DNS message of " + message.length + " octets cannot be framed");
        }
        byte[] out = new byte[message.length + 2];
        out[0] = (byte) (message.length >>> 8);
        out[1] = (byte) message.length;
        System.arraycopy(message, 0, out, 2, message.length);
        return out;
    }
}
