package dev.pinhole.connector.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A connector config that cannot be used; lists every problem found, each naming its field and value. Its one
 * subclass, {@link ShardsPendingException}, is a config that may become usable without changing (its shards are
 * still on their way).
 */
public class InvalidConfigException extends Exception {
    private final List<ConfigProblem> problems;

    public InvalidConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
