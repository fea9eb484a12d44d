package dev.pinhole.budget;

/**
 * The bound on one resource: at most {@code perClient} for any one client and at most {@code total} for all of
 * them together.
 */
public record Quota(long perClient, long total) {
    public Quota {
        if (perClient < 1 || total < 1) {
            throw new IllegalArgumentException("budget quotas must be positive: perClient=" + perClient
                    + ", total=" + total);
        }
    }
}
