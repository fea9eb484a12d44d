package dev.pinhole.dns.synthetic;

/** No synthetic address is free: every slot is mapped to a name used within the idle timeout. */
public final class PoolExhaustedException extends Exception {
    private static final long serialVersionUID = 1L;

    public PoolExhaustedException(String message) {
        super(message);
    }
}
