package dev.pinhole.dns.synthetic;

/** A new name was not mapped because the asking client holds its quota of synthetic names. */
public final class NameQuotaExceededException extends Exception {
    public NameQuotaExceededException(String message) {
        super(message);
    }
}
