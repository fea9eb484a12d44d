package dev.pinhole.ipset.feed;

import dev.pinhole.ipset.Cidr;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * What one feed gave: its prefixes (sorted, without duplicates), the feed's own version and timestamp where it
 * publishes them, and a digest of the prefix list (not of the body, so a reformatted feed with the same ranges
 * has the same digest).
 */
public record FeedContent(List<Cidr> prefixes, Optional<String> version, Optional<String> timestamp) {

    public FeedContent {
        prefixes = List.copyOf(prefixes);
    }

    /** "sha256:" and the hex SHA-256 of the canonical prefixes, one per line. */
    public String digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Cidr cidr : prefixes) {
                sha.update(cidr.toString().getBytes(StandardCharsets.US_ASCII));
                sha.update((byte) '\n');
            }
            return "sha256:" + HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
