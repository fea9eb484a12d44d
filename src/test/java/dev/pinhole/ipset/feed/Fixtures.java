package dev.pinhole.ipset.feed;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The vendor-shaped feed bodies under src/test/resources/dev/pinhole/ipset/feed. */
public final class Fixtures {
    private Fixtures() {}

    public static byte[] read(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
