package dev.pinhole.connector.records;

import java.util.List;

/**
 * A client's DNS query to the tunnel DNS and what it was answered.
 *
 * @param answer    synthetic (an app address handed out), forwarded (a name outside the domains, relayed),
 *                  nodata, nxdomain, refused, servfail, or other (any other response code)
 * @param pattern   the domain pattern the name matched, or null
 * @param synthetic the synthetic addresses answered
 * @param real      the real addresses those map to
 * @param reason    why it was refused or failed, as the connector explained it (RFC 8914 text), or null
 * @param cut       addresses left out of {@code synthetic} and {@code real} together over {@link #MAX_ADDRESSES}
 */
public record LookupRecord(long epochMillis, ClientRef client, String name, String type, String transport,
                           String answer, String pattern, List<String> synthetic, List<String> real, String reason,
                           int cut)
        implements ActivityRecord {
    /**
     * Addresses a record lists at most in each of {@code synthetic} and {@code real}: an answer may carry hundreds
     * (a name with many real addresses, a forwarded answer), 15-30 KB a line; the rest is counted in {@code cut}.
     */
    public static final int MAX_ADDRESSES = 16;
    /** Queue bytes per listed address (the string and its list slot, generously). */
    private static final int BYTES_PER_ADDRESS = 96;

    public LookupRecord {
        if (synthetic != null && synthetic.size() > MAX_ADDRESSES || real != null && real.size() > MAX_ADDRESSES) {
            throw new IllegalArgumentException("at most " + MAX_ADDRESSES + " addresses a list: cut them");
        }
    }

    @Override
    public int queuedBytes() {
        int addresses = (synthetic == null ? 0 : synthetic.size()) + (real == null ? 0 : real.size());
        return BASE_BYTES + addresses * BYTES_PER_ADDRESS + (name == null ? 0 : 2 * name.length());
    }

    @Override
    public void writeFields(JsonLine line) {
        line.field("name", name).field("type", type).field("transport", transport).field("answer", answer)
                .field("appPattern", pattern).field("synthetic", synthetic).field("real", real)
                .field("reason", reason);
        if (cut > 0) {
            line.field("addressesCut", cut);
        }
    }
}
