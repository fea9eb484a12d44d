package dev.pinhole.connector.records;

/**
 * Who a record is about: the client's name in the config, its WireGuard public key (as in
 * {@code spec.clients[].publicKey}: public by design, and what ties the record to one device), and its outer
 * address and port as the connector last saw it, or null when unknown or omitted by {@code clientEndpoints: omit}.
 */
public record ClientRef(String name, String key, String endpoint) {
    void writeTo(JsonLine line) {
        line.field("client", name).field("clientKey", key).field("clientEndpoint", endpoint);
    }
}
