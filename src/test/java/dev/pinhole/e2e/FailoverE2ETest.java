package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.e2e.FailoverHarness.Result;
import dev.pinhole.e2e.FailoverHarness.Scenario;
import dev.pinhole.e2e.FailoverHarness.Stop;
import dev.pinhole.testing.RootTier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Failover and rolling update with a stock client (wireguard-go) behind a health-checking UDP load balancer, in
 * one run side by side (test/netns/failover.sh, docs/e2e.md#failover-harness): (a) SIGKILL of the serving replica
 * with session recovery, (b) the same with {@code --session-recovery=off} (the client's own timers), (c) SIGTERM
 * of the serving replica while the other is ready, (d) the same with {@code --drain-seconds 0}. Prints the table and writes it to
 * {@code target/failover-report.md}. Asserts only functional properties with generous bounds: each scenario
 * recovers, the rolling update fails no request and connections of the stopped replica end with a RST (once the
 * build has session recovery), the SIGTERM'd replica exits after its drain, and a request loop and a connected UDP
 * socket that keep the address of a name the config lists exactly (resolved once before the signal) work again on
 * the replica that took over. Timings are reported, not asserted.
 */
@RootTier(requires = {"wireguard-go", "wg", "nginx", "dnsmasq", "curl", "iptables", "socat", "conntrack"})
class FailoverE2ETest {
    @Test
    void killAndRollingUpdateSideBySide() throws Exception {
        boolean recovery = FailoverHarness.sessionRecoveryBuiltIn();
        List<String> off = recovery ? List.of("--session-recovery=off") : List.of();
        List<Scenario> scenarios = List.of(
                new Scenario("(a) SIGKILL, session recovery" + (recovery ? "" : " (not in this build)"), Stop.KILL,
                        List.of()),
                new Scenario("(b) SIGKILL, --session-recovery=off (client timers)", Stop.KILL, off),
                // The replica that takes over in (c) runs without a drain, and (d) stops it: the same rolling
                // update without the graceful stop, for comparison.
                new Scenario("(c) rolling update: SIGTERM, other replica ready", Stop.TERM,
                        List.of("--drain-seconds", "0")),
                new Scenario("(d) the same without a drain (--drain-seconds 0)", Stop.TERM, List.of()));
        Result[] byScenario = new Result[scenarios.size()];
        List<Result> results;
        try (FailoverHarness harness = FailoverHarness.up()) {
            try {
                // (d) right after (c): it stops the replica (c) started without a drain. (b) last, so the replica
                // running with --session-recovery=off is never the one a later scenario relies on.
                for (int i : new int[] {0, 2, 3, 1}) {
                    byScenario[i] = harness.run(scenarios.get(i));
                }
            } finally {
                harness.keepLogs(Path.of("target", "failover-run"));
            }
            String machine = "Load balancer: health check every " + harness.get("LB_INTERVAL") + " s, "
                    + harness.get("LB_FALL") + " failures to drop a replica; requests every "
                    + FailoverHarness.REQUEST_INTERVAL_MS + " ms with a " + FailoverHarness.REQUEST_TIMEOUT_MS
                    + " ms deadline; " + Runtime.getRuntime().availableProcessors() + " cores, JDK "
                    + Runtime.version() + ".";
            results = List.of(byScenario);
            String table = FailoverHarness.table(results, machine);
            System.out.println(table);
            Files.writeString(Path.of("target", "failover-report.md"), table);
        }

        for (Result r : results) {
            assertThat(r.lbDetectedS()).as(r.scenario().name() + ": the load balancer moved").isPresent();
            assertThat(r.firstSuccessS()).as(r.scenario().name() + ": requests work again").isPresent();
            assertThat(r.udpResumedS()).as(r.scenario().name() + ": the UDP echo resumed").isPresent();
            // Names listed exactly: an app that keeps the address it resolved on the stopped replica goes on.
            assertThat(r.pinned().firstSuccessS()).as(r.scenario().name()
                    + ": requests to an exact name's address kept across the failover work again").isPresent();
            assertThat(r.pinned().udpResumedS()).as(r.scenario().name()
                    + ": a connected UDP socket to an exact name's address kept across the failover").isPresent();
        }
        Result rolling = results.get(2);
        assertThat(rolling.stoppedExitedS()).as("the SIGTERM'd replica exited after its drain").isPresent();
        if (recovery) {
            assertThat(rolling.failed()).as("a rolling update fails no new request").isZero();
            for (Result r : List.of(results.get(0), rolling)) {
                assertThat(r.keepAliveEnd()).as(r.scenario().name()
                        + ": a connection that lived in the stopped replica ends with a RST, not a hang")
                        .startsWith("reset");
            }
            assertThat(results.get(0).firstSuccessS().getAsDouble())
                    .as("session recovery beats the client's own timers")
                    .isLessThan(results.get(1).firstSuccessS().getAsDouble());
        }
    }
}
