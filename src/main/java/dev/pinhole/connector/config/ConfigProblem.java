package dev.pinhole.connector.config;

/** One thing wrong with a connector config: the field path, the offending value and why. */
public record ConfigProblem(String field, String value, String reason) {
    @Override
    public String toString() {
        return value == null ? field + ": " + reason : field + ": \"" + value + "\": " + reason;
    }
}
