package dev.pinhole.connector;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Command-line arguments of the connector role.
 *
 * @param drain how long a SIGTERM'd connector keeps forwarding before it closes its flows ({@link GracefulStop})
 * @param sessionRecovery whether this replica re-establishes sessions another replica held (docs/wireguard.md,
 *                        "Session recovery"); {@code --session-recovery=off} measures the behaviour without it
 */
public record ConnectorArgs(Path config, Path key, Integer httpPort, Integer listenPort, Duration drain,
                            boolean sessionRecovery) {
    static final String USAGE = "usage: pinhole connector --config FILE --key FILE [--http-port N] [--listen-port N]"
            + " [--drain-seconds N] [--session-recovery=on|off]";
    /**
     * The drain when none is given: longer than a load balancer's usual health-check detection (a few probe
     * intervals), well below the pod's termination grace period ({@link #GRACE_MARGIN} more).
     */
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(20);
    /** What the pod's grace period adds to the drain: closing the flows and the JVM's exit take well under that. */
    public static final Duration GRACE_MARGIN = Duration.ofSeconds(10);
    static final long MAX_DRAIN_SECONDS = 3600;

    public ConnectorArgs {
        if (drain == null) {
            drain = DEFAULT_DRAIN;
        }
    }

    /** Arguments without a WireGuard port override. */
    public ConnectorArgs(Path config, Path key, Integer httpPort) {
        this(config, key, httpPort, null, null);
    }

    /** Arguments with the default drain. */
    public ConnectorArgs(Path config, Path key, Integer httpPort, Integer listenPort) {
        this(config, key, httpPort, listenPort, null);
    }

    /** Arguments with session recovery on. */
    public ConnectorArgs(Path config, Path key, Integer httpPort, Integer listenPort, Duration drain) {
        this(config, key, httpPort, listenPort, drain, true);
    }

    public static ConnectorArgs parse(List<String> args) {
        Path config = null;
        Path key = null;
        Integer httpPort = null;
        Integer listenPort = null;
        Duration drain = null;
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
                case "--drain-seconds" -> drain = Duration.ofSeconds(number(flag, value, 0, MAX_DRAIN_SECONDS));
                case "--session-recovery" -> sessionRecovery = onOff(flag, value);
                default -> throw new IllegalArgumentException("unknown argument \"" + flag + "\". " + USAGE);
            }
        }
        if (config == null || key == null) {
            throw new IllegalArgumentException(USAGE);
        }
        return new ConnectorArgs(config, key, httpPort, listenPort, drain, sessionRecovery);
    }

    private static boolean onOff(String flag, String value) {
        return switch (value) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException(flag + ": \"" + value + "\" is neither on nor off");
        };
    }

    private static int port(String flag, String value) {
        return (int) number(flag, value, 0, 65535);
    }

    private static long number(String flag, String value, long min, long max) {
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": \"" + value + "\" is not a number");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(flag + ": " + value + " is out of range (" + min + ".." + max + ")");
        }
        return n;
    }
}
