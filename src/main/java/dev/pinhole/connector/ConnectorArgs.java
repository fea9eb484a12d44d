package dev.pinhole.connector;

import java.nio.file.Path;
import java.util.List;

/** Command-line arguments of the connector role. */
public record ConnectorArgs(Path config, Path key, Integer httpPort, Integer listenPort) {
    static final String USAGE =
            "usage: pinhole connector --config FILE --key FILE [--http-port N] [--listen-port N]";

    /** Arguments without a WireGuard port override. */
    public ConnectorArgs(Path config, Path key, Integer httpPort) {
        this(config, key, httpPort, null);
    }

    public static ConnectorArgs parse(List<String> args) {
        Path config = null;
        Path key = null;
        Integer httpPort = null;
        Integer listenPort = null;
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(flag + ": missing value. " + USAGE);
            }
            String value = args.get(++i);
            switch (flag) {
                case "--config" -> config = Path.of(value);
                case "--key" -> key = Path.of(value);
                case "--http-port" -> httpPort = port(flag, value);
                case "--listen-port" -> listenPort = port(flag, value);
                default -> throw new IllegalArgumentException("unknown argument \"" + flag + "\". " + USAGE);
            }
        }
        if (config == null || key == null) {
            throw new IllegalArgumentException(USAGE);
        }
        return new ConnectorArgs(config, key, httpPort, listenPort);
    }

    private static int port(String flag, String value) {
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(flag + ": " + value + " is not a port (0..65535)");
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": \"" + value + "\" is not a number");
        }
    }
}
