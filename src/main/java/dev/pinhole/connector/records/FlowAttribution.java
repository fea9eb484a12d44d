package dev.pinhole.connector.records;

/**
 * Who opened a flow and what it went to, taken when it opened: its end record names the device that opened it even
 * when a config change removed that client or gave its name another key since.
 */
public record FlowAttribution(ClientRef client, FlowOrigin origin) {}
