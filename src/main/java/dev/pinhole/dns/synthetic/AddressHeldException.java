package dev.pinhole.dns.synthetic;

/**
 * A new name was not mapped because its synthetic address (a pure function of the name and the pool's key and
 * range) is held by another name. Handing it another address would make the answer depend on the order of
 * queries, and another replica could then hand that address to yet another name: the name is refused instead.
 */
public final class AddressHeldException extends Exception {
    private final transient NameCollision collision;

    public AddressHeldException(NameCollision collision) {
        super("synthetic address " + collision.address().getHostAddress() + " of " + collision.refused()
                + " is held by " + collision.holder() + " (hash collision): refused until that name is idle");
        this.collision = collision;
    }

    public NameCollision collision() {
        return collision;
    }
}
