package dev.pinhole.ipset.feed;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.function.LongSupplier;

/**
 * The socket's input under one deadline for the whole exchange: before each read the socket timeout is set to
 * what is left, so a server trickling a byte at a time cannot hold a fetch open past it.
 */
final class DeadlineInput {
    private final Socket socket;
    private final InputStream in;
    private final long deadline;
    private final LongSupplier nanoClock;
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;

    DeadlineInput(Socket socket, long deadline, LongSupplier nanoClock) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.deadline = deadline;
        this.nanoClock = nanoClock;
    }

    int remainingMillis() throws FetchFailure {
        long remaining = deadline - nanoClock.getAsLong();
        if (remaining <= 0) {
            throw new FetchFailure("deadline passed while reading the response");
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, remaining / 1_000_000));
    }

    /** The next byte, or -1 at the end of the stream. */
    int read() throws IOException {
        if (position == limit && !fill()) {
            return -1;
        }
        return buffer[position++] & 0xFF;
    }

    /** Up to {@code length} bytes into {@code out}; -1 at the end of the stream. */
    int read(byte[] out, int offset, int length) throws IOException {
        if (position == limit && !fill()) {
            return -1;
        }
        int n = Math.min(length, limit - position);
        System.arraycopy(buffer, position, out, offset, n);
        position += n;
        return n;
    }

    private boolean fill() throws IOException {
        socket.setSoTimeout(remainingMillis());
        int n;
        try {
            n = in.read(buffer, 0, buffer.length);
        } catch (java.net.SocketTimeoutException e) {
            throw new FetchFailure("deadline passed while reading the response");
        }
        if (n <= 0) {
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }
}
