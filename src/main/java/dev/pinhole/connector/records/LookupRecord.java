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
 */
public record LookupRecord(long epochMillis, ClientRef client, String name, String type, String transport,
                           String answer, String pattern, List<String> synthetic, List<String> real, String reason)
        implements ActivityRecord {

    @Override
    public void writeFields(JsonLine line) {
        line.field("name", name).field("type", type).field("transport", transport).field("answer", answer)
                .field("appPattern", pattern).field("synthetic", synthetic).field("real", real)
                .field("reason", reason);
    }
}
