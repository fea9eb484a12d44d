package dev.pinhole.connector;

import java.nio.file.Path;
import java.util.List;

/** Command-line arguments of the connector role. */
public record ConnectorArgs(Path config, Path key, Integer httpPort) {
    static final String USAGE = "usage: pinhole connector --config FILE --key FILE [--http-port N]";

    public static ConnectorArgs parse(List<String> args) {
        Path config = null;
        Path key = null;
        Integer httpPort = null;
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(flag + ": missing value. " + USAGE);
            }
            String value = args.get(++i);
            switch (flag) {
                case "--config" -> config = Path.of(value);
                case "--key" -> key = Path.of(value);
                case "--http-port" -> {
                    try {
                        httpPort = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--http-port: \"" + value + "\" is not a number");
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument \"" + flag + "\". " + USAGE);
            }
        }
        if (config == null || key == null) {
            throw new IllegalArgumentException(USAGE);
        }
        return new ConnectorArgs(config, key, httpPort);
    }
}
