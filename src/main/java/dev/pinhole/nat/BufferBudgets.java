package dev.pinhole.nat;

import dev.pinhole.budget.Allowance;

/** Where a client's buffer bytes are charged: its share of the connector's buffer budget. */
@FunctionalInterface
public interface BufferBudgets {
    /** The allowance the buffers of {@code client}'s flows draw from. */
    Allowance of(String client);

    /** No bound (tests of other things). */
    BufferBudgets UNLIMITED = client -> Allowance.UNLIMITED;
}
