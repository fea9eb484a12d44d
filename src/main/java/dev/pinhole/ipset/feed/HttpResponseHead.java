package dev.pinhole.ipset.feed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads one HTTP/1.1 response from a feed server: the status line and headers (bounded: 100 lines of at most
 * 8 KiB) and the body by Content-Length, chunked encoding or until close, never past the body cap.
 */
final class HttpResponseHead {
    static final int MAX_LINE = 8192;
    static final int MAX_HEADERS = 100;

    /** What the fetcher needs of a response. */
    record Response(int status, Optional<String> location, FeedFetcher.Validators validators, byte[] body) {}

    private HttpResponseHead() {}

    static Response read(DeadlineInput in, int maxBody) throws IOException {
        String statusLine = line(in);
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
            throw new FetchFailure("not an HTTP/1.x response: " + FeedParseException.quote(statusLine));
        }
        int status;
        try {
            status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new FetchFailure("bad status line " + FeedParseException.quote(statusLine));
        }
        String location = null;
        String etag = null;
        String lastModified = null;
        long contentLength = -1;
        boolean chunked = false;
        String encoding = null;
        for (int count = 0; ; count++) {
            String header = line(in);
            if (header.isEmpty()) {
                break;
            }
            if (count == MAX_HEADERS) {
                throw new FetchFailure("more than " + MAX_HEADERS + " response headers");
            }
            int colon = header.indexOf(':');
            if (colon <= 0) {
                throw new FetchFailure("bad response header " + FeedParseException.quote(header));
            }
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim();
            switch (name) {
                case "location" -> location = value;
                case "etag" -> etag = value;
                case "last-modified" -> lastModified = value;
                case "content-encoding" -> encoding = value.toLowerCase(Locale.ROOT);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "content-length" -> contentLength = contentLength(value, contentLength);
                default -> { }
            }
        }
        if (encoding != null && !encoding.equals("identity")) {
            throw new FetchFailure("response is " + FeedParseException.quote(encoding) + "-encoded; asked for"
                    + " identity");
        }
        byte[] body = new byte[0];
        if (status == 200) {
            if (contentLength > maxBody) {
                throw new FetchFailure("body of " + contentLength + " bytes exceeds the cap of " + maxBody);
            }
            body = chunked ? chunked(in, maxBody) : contentLength >= 0 ? exactly(in, (int) contentLength)
                    : untilClose(in, maxBody);
        }
        return new Response(status, Optional.ofNullable(location),
                new FeedFetcher.Validators(Optional.ofNullable(etag), Optional.ofNullable(lastModified)), body);
    }

    private static long contentLength(String value, long previous) throws FetchFailure {
        long length;
        try {
            length = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new FetchFailure("bad Content-Length " + FeedParseException.quote(value));
        }
        if (length < 0 || (previous >= 0 && previous != length)) {
            throw new FetchFailure("bad or conflicting Content-Length " + FeedParseException.quote(value));
        }
        return length;
    }

    private static byte[] exactly(DeadlineInput in, int length) throws IOException {
        byte[] body = new byte[length];
        int read = 0;
        while (read < length) {
            int n = in.read(body, read, length - read);
            if (n < 0) {
                throw new FetchFailure("body ended after " + read + " of " + length + " bytes");
            }
            read += n;
        }
        return body;
    }

    private static byte[] untilClose(DeadlineInput in, int maxBody) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        while (true) {
            int n = in.read(chunk, 0, chunk.length);
            if (n < 0) {
                return out.toByteArray();
            }
            if (out.size() + n > maxBody) {
                throw new FetchFailure("body exceeds the cap of " + maxBody + " bytes");
            }
            out.write(chunk, 0, n);
        }
    }

    private static byte[] chunked(DeadlineInput in, int maxBody) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(in);
            int semicolon = sizeLine.indexOf(';');
            String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim();
            int size;
            try {
                if (hex.isEmpty() || hex.length() > 8) {
                    throw new NumberFormatException();
                }
                size = Integer.parseInt(hex, 16);
            } catch (NumberFormatException e) {
                throw new FetchFailure("bad chunk size " + FeedParseException.quote(sizeLine));
            }
            if (size < 0 || (long) out.size() + size > maxBody) {
                throw new FetchFailure("body exceeds the cap of " + maxBody + " bytes");
            }
            if (size == 0) {
                while (!line(in).isEmpty()) {
                    // trailers are read and dropped (bounded by the line cap, and the deadline)
                }
                return out.toByteArray();
            }
            out.write(exactly(in, size));
            if (!line(in).isEmpty()) {
                throw new FetchFailure("chunk not followed by CRLF");
            }
        }
    }

    /** One CRLF- (or LF-) terminated line, ISO-8859-1, at most {@link #MAX_LINE} bytes. */
    private static String line(DeadlineInput in) throws IOException {
        byte[] line = new byte[256];
        int length = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new FetchFailure("connection closed in the response head");
            }
            if (b == '\n') {
                if (length > 0 && line[length - 1] == '\r') {
                    length--;
                }
                return new String(line, 0, length, StandardCharsets.ISO_8859_1);
            }
            if (length == MAX_LINE) {
                throw new FetchFailure("response line longer than " + MAX_LINE + " bytes");
            }
            if (length == line.length) {
                line = java.util.Arrays.copyOf(line, line.length * 2);
            }
            line[length++] = (byte) b;
        }
    }
}
