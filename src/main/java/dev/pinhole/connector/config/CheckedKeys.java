package dev.pinhole.connector.config;

import dev.pinhole.wireguard.Keys;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client keys already found not to be low-order X25519 points. The check is one X25519 multiplication (about
 * 0.3 ms on JDK 17): 5,000 clients cost 1.5 s of every reload, though a reload mostly carries the keys of the
 * config before it. Only good keys are kept (a low-order one is refused, and checked again if it comes back); the
 * set is bounded at twice {@link ConfigCheck#MAX_CLIENTS} and starts over when full, so churn cannot grow it.
 */
final class CheckedKeys {
    static final int MAX_KEYS = 2 * ConfigCheck.MAX_CLIENTS;
    private static final Set<String> NOT_LOW_ORDER = ConcurrentHashMap.newKeySet();

    private CheckedKeys() {}

    /** {@link Keys#isLowOrder} of a key in base64 that {@link Keys#fromBase64} accepts. */
    static boolean isLowOrder(String base64) {
        if (NOT_LOW_ORDER.contains(base64)) {
            return false;
        }
        boolean low = Keys.isLowOrder(Keys.fromBase64(base64));
        if (!low) {
            if (NOT_LOW_ORDER.size() >= MAX_KEYS) {
                NOT_LOW_ORDER.clear();
            }
            NOT_LOW_ORDER.add(base64);
        }
        return low;
    }

    /** How many keys are remembered (tests: the bound holds). */
    static int size() {
        return NOT_LOW_ORDER.size();
    }
}
