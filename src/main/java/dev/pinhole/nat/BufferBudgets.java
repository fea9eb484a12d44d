package dev.pinhole.nat;

import dev.pinhole.budget.Allowance;

/** Where a client's buffer bytes are charged: its share of the connector's buffer budget. */
@FunctionalInterface
public interface BufferBudgets {
    /** The allowance the buffers of {@code client}'s flows draw from. */
    Allowance of(String client);

    /**
     * The allowance their send buffers draw from: by default the same; a budget may keep headroom here so that
     * send buffers full of bytes the client does not read never leave its new flows without a receive window.
     */
    default Allowance forSending(String client) {
        return of(client);
    }

    /** No bound (tests of other things). */
    BufferBudgets UNLIMITED = client -> Allowance.UNLIMITED;
}
