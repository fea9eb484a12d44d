package dev.pinhole.ipset.feed;

import java.io.IOException;

/** A fetch that went wrong in a way the server caused (bad status line, oversize, deadline); message is safe. */
final class FetchFailure extends IOException {
    private static final long serialVersionUID = 1L;

    FetchFailure(String message) {
        super(message);
    }
}
