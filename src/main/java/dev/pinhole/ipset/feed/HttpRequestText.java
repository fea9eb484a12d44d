package dev.pinhole.ipset.feed;

import java.net.URI;
import java.nio.charset.StandardCharsets;

/** The bytes of one HTTP/1.1 GET for a feed: conditional on the validators, identity encoding, then close. */
final class HttpRequestText {
    private HttpRequestText() {}

    static byte[] get(URI url, FeedFetcher.Validators previous) {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            path += "?" + url.getRawQuery();
        }
        String host = url.getPort() >= 0 ? url.getHost() + ":" + url.getPort() : url.getHost();
        StringBuilder request = new StringBuilder()
                .append("GET ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append("\r\n")
                .append("User-Agent: pinhole-operator\r\n")
                .append("Accept: application/json, text/plain;q=0.9\r\n")
                .append("Accept-Encoding: identity\r\n")
                .append("Connection: close\r\n");
        previous.etag().filter(HttpRequestText::headerSafe)
                .ifPresent(etag -> request.append("If-None-Match: ").append(etag).append("\r\n"));
        previous.lastModified().filter(HttpRequestText::headerSafe)
                .ifPresent(date -> request.append("If-Modified-Since: ").append(date).append("\r\n"));
        return request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A validator the server sent comes back only if it cannot split our request (visible ASCII and spaces). */
    private static boolean headerSafe(String value) {
        if (value.isEmpty() || value.length() > 256) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }
}
