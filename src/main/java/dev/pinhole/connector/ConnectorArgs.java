package dev.pinhole.connector;

import java.nio.file.Path;
import java.util.List;

/**
 * Command-line arguments of the connector role.
 *
 * @param sessionRecovery whether this replica re-establishes sessions another replica held (docs/wireguard.md,
 *                        "Session recovery"); {@code --session-recovery=off} measures the behaviour without it
 */
public record ConnectorArgs(Path config, Path key, Integer httpPort, Integer listenPort, boolean sessionRecovery) {
    static final String USAGE = "usage: pinhole connector --config FILE --key FILE [--http-port N] [--listen-port N]"
            + " [--session-recovery=on|off]";

    /** Arguments without a WireGuard port override. */
    public ConnectorArgs(Path config, Path key, Integer httpPort) {
        this(config, key, httpPort, null);
    }

    /** Arguments with session recovery on. */
    public ConnectorArgs(Path config, Path key, Integer httpPort, Integer listenPort) {
        this(config, key, httpPort, listenPort, true);
    }

    public static ConnectorArgs parse(List<String> args) {
        Path config = null;
        Path key = null;
        Integer httpPort = null;
        Integer listenPort = null;
        boolean sessionRecovery = true;
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            String value;
            int equals = flag.indexOf('=');
            if (flag.startsWith("--") && equals > 0) {
                value = flag.substring(equals + 1);
                flag = flag.substring(0, equals);
            } else if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(flag + ": missing value. " + USAGE);
            } else {
                value = args.get(++i);
            }
            switch (flag) {
                case "--config" -> config = Path.of(value);
                case "--key" -> key = Path.of(value);
                case "--http-port" -> httpPort = port(flag, value);
                case "--listen-port" -> listenPort = port(flag, value);
                case "--session-recovery" -> sessionRecovery = onOff(flag, value);
                default -> throw new IllegalArgumentException("unknown argument \"" + flag + "\". " + USAGE);
            }
        }
        if (config == null || key == null) {
            throw new IllegalArgumentException(USAGE);
        }
        return new ConnectorArgs(config, key, httpPort, listenPort, sessionRecovery);
    }

    private static boolean onOff(String flag, String value) {
        return switch (value) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException(flag + ": \"" + value + "\" is neither on nor off");
        };
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
