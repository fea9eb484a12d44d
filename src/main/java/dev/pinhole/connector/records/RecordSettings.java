package dev.pinhole.connector.records;

/**
 * Which records a connector writes, from the config's {@code records} section (docs/flow-records.md):
 * swapped with the rest of the config, so a change applies to the next record without a restart.
 *
 * @param flows              which flow records: none, one per flow end, or start and end
 * @param refusals           whether refused flows are recorded (rate-limited per client and reason)
 * @param lookups            whether the tunnel DNS records each client query
 * @param clientEndpoints    whether records carry the client's outer address and port (its home or office IP)
 * @param refusalsPerSecond  refusal records a client may cause per reason and second, after a burst of
 *                           {@link #REFUSAL_BURST}
 * @param activeTimeoutSeconds a flow open this long gets an update record with its running totals, and again at
 *                           every further multiple (IPFIX's active timeout); 0: none, only start and end
 */
public record RecordSettings(FlowRecords flows, boolean refusals, boolean lookups, boolean clientEndpoints,
                             int refusalsPerSecond, int activeTimeoutSeconds) {
    /** Refusal records a client may cause at once per reason before its rate applies. */
    public static final int REFUSAL_BURST = 10;
    /** The most refusal records per client, reason and second a config may ask for. */
    public static final int MAX_REFUSALS_PER_SECOND = 100;

    /** The longest active timeout a config may ask for: a day. */
    public static final int MAX_ACTIVE_TIMEOUT_SECONDS = 86_400;
    /** Five minutes, as IPFIX exporters commonly use: a pod killed without its SIGTERM drain loses at most that. */
    public static final int DEFAULT_ACTIVE_TIMEOUT_SECONDS = 300;

    /**
     * Flow ends and refusals on, lookups off, client endpoints included, one refusal a second after ten, an update
     * of every flow open for five minutes.
     */
    public static final RecordSettings DEFAULTS = new RecordSettings(FlowRecords.END, true, false, true, 1,
            DEFAULT_ACTIVE_TIMEOUT_SECONDS);

    /** Nothing written (tests of other things). */
    public static final RecordSettings OFF = new RecordSettings(FlowRecords.OFF, false, false, false, 1, 0);

    public RecordSettings {
        if (refusalsPerSecond < 1 || refusalsPerSecond > MAX_REFUSALS_PER_SECOND) {
            throw new IllegalArgumentException("refusalsPerSecond must be 1.." + MAX_REFUSALS_PER_SECOND);
        }
        if (activeTimeoutSeconds < 0 || activeTimeoutSeconds > MAX_ACTIVE_TIMEOUT_SECONDS) {
            throw new IllegalArgumentException("activeTimeoutSeconds must be 0.." + MAX_ACTIVE_TIMEOUT_SECONDS);
        }
    }

    /** Whether open flows get update records. */
    public boolean flowUpdates() {
        return flowEnds() && activeTimeoutSeconds > 0;
    }

    /** Which flow records are written. */
    public enum FlowRecords {
        OFF("none"), END("end"), START_AND_END("startAndEnd");

        private final String value;

        FlowRecords(String value) {
            this.value = value;
        }

        /** The config value. */
        public String value() {
            return value;
        }

        /** The mode of config value {@code value}; null when it names none. */
        public static FlowRecords of(String value) {
            for (FlowRecords f : values()) {
                if (f.value.equals(value)) {
                    return f;
                }
            }
            return null;
        }
    }

    /** Whether flow end records are written. */
    public boolean flowEnds() {
        return flows != FlowRecords.OFF;
    }

    /** Whether flow start records are written. */
    public boolean flowStarts() {
        return flows == FlowRecords.START_AND_END;
    }

    /** What {@code /status} shows of the settings in force (the config's spelling). */
    public java.util.Map<String, Object> describe() {
        var m = new java.util.LinkedHashMap<String, Object>();
        m.put("flows", flows.value());
        m.put("refusals", refusals);
        m.put("lookups", lookups);
        m.put("clientEndpoints", clientEndpoints ? "include" : "omit");
        m.put("refusalsPerSecond", refusalsPerSecond);
        m.put("activeTimeoutSeconds", activeTimeoutSeconds);
        return m;
    }
}
