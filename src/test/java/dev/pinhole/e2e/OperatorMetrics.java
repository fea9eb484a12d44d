package dev.pinhole.e2e;

import java.io.IOException;

/** Counters from the operator's Prometheus endpoint ({@code /q/metrics}), local process or in-cluster. */
final class OperatorMetrics {
    private final OperatorUnderTest operator;

    OperatorMetrics(OperatorUnderTest operator) {
        this.operator = operator;
    }

    /** Sum of a metric's samples whose labels contain {@code labelFilter} (e.g. {@code kind="AppConnector"}). */
    double sum(String metric, String labelFilter) throws IOException, InterruptedException {
        return sum(operator.metrics(), metric, labelFilter);
    }

    /** Sums {@code metric}'s samples in a Prometheus text exposition; 0 when it has none yet. */
    static double sum(String exposition, String metric, String labelFilter) {
        double total = 0;
        for (String line : exposition.split("\n")) {
            if (line.startsWith(metric + "{") && line.contains(labelFilter)) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}
