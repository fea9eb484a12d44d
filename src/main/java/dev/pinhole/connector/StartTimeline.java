package dev.pinhole.connector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * When each step of the connector's start ended, counted from the process's start, for the one line it logs when it
 * first becomes ready (how long a replaced pod takes to serve, and where that time went). The JVM's own start is
 * the time from the process's start (as the kernel records it, to 10 ms) to {@link #begin()} at the top of main.
 */
final class StartTimeline {
    /** One step: its name and when it ended, in ms since {@link #begin()}. */
    private record Step(String name, long endMs) {}

    /** USER_HZ: what Linux reports process times in, 100 on every architecture the JDK runs on. */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private final long beganNanos = System.nanoTime();
    private final long jvmMs;
    private final List<Step> steps = new ArrayList<>();
    private boolean reported;

    private StartTimeline(long jvmMs) {
        this.jvmMs = jvmMs;
    }

    /** Call first thing in main. */
    static StartTimeline begin() {
        return new StartTimeline(sinceProcessStartMs());
    }

    /**
     * Milliseconds since this process started, from the kernel's clock since boot (/proc/uptime) and the process's
     * start on it (/proc/self/stat, in clock ticks: 10 ms); -1 where there is no /proc. (ProcessHandle's start
     * instant is no use here: it adds the boot time, which Linux gives in whole seconds.)
     */
    static long sinceProcessStartMs() {
        try {
            String uptime = Files.readString(Path.of("/proc/uptime"));
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // Field 22 (starttime), counted after the command name's closing parenthesis (the name may hold spaces).
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long startTicks = Long.parseLong(fields[19]);
            double nowSeconds = Double.parseDouble(uptime.substring(0, uptime.indexOf(' ')));
            return Math.max(0, Math.round(nowSeconds * 1000) - startTicks * 1000 / CLOCK_TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The step {@code name} ended now. */
    synchronized void ended(String name) {
        steps.add(new Step(name, (System.nanoTime() - beganNanos) / 1_000_000));
    }

    /**
     * The start's line, the first time it is asked for (readiness may open and close again later; only the first
     * time is the start), else null: "ready after 512 ms: JVM 150, config 250, data plane 60, ... ms".
     */
    synchronized String readyOnce() {
        if (reported) {
            return null;
        }
        reported = true;
        long readyMs = (System.nanoTime() - beganNanos) / 1_000_000;
        StringJoiner parts = new StringJoiner(", ", "", " ms");
        parts.add("JVM " + (jvmMs < 0 ? "?" : String.valueOf(jvmMs)));
        long previous = 0;
        for (Step step : steps) {
            parts.add(step.name() + " " + (step.endMs() - previous));
            previous = step.endMs();
        }
        parts.add("until ready " + (readyMs - previous));
        return "ready " + (jvmMs < 0 ? readyMs + " ms after main began" : (jvmMs + readyMs) + " ms after the process"
                + " started") + ": " + parts;
    }
}
