package dev.pinhole.dns.resolver;

import dev.pinhole.ipset.IpAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code nameserver} lines of resolv.conf(5), the default upstreams. Only address literals are accepted
 * (a hostname would need DNS to resolve DNS); an IPv6 zone id ({@code fe80::1%eth0}) is dropped, since
 * a pod's upstream is never link-local in practice and the zone is not portable.
 */
public final class ResolvConf {
    public static final Path DEFAULT_PATH = Path.of("/etc/resolv.conf");
    private static final int DNS_PORT = 53;

    private ResolvConf() {
    }

    /** Upstream servers from {@code path}; empty when there are no usable nameserver lines. */
    public static List<InetSocketAddress> read(Path path) throws IOException {
        return parse(Files.readString(path, StandardCharsets.UTF_8));
    }

    public static List<InetSocketAddress> parse(String content) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String line : content.split("\\R")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith(";")) {
                continue;
            }
            String[] fields = trimmed.split("\\s+");
            if (!fields[0].equals("nameserver") || fields.length < 2) {
                continue;
            }
            String literal = fields[1];
            int zone = literal.indexOf('%');
            if (zone >= 0) {
                literal = literal.substring(0, zone);
            }
            InetAddress address = literal(literal);
            if (address != null) {
                servers.add(new InetSocketAddress(address, DNS_PORT));
            }
        }
        return List.copyOf(servers);
    }

    private static InetAddress literal(String text) {
        try {
            return IpAddress.parse(text.strip()).toInetAddress();
        } catch (IllegalArgumentException e) {
            return null; // a hostname or junk: resolv.conf(5) accepts only addresses
        }
    }
}
