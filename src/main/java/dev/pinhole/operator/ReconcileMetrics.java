package dev.pinhole.operator;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.Callable;

/** Counts and times reconciles per resource kind and outcome, and counts child writes (a quiet cluster has none). */
@ApplicationScoped
public class ReconcileMetrics {
    private final MeterRegistry registry;

    public ReconcileMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public <T> T time(String kind, Callable<T> reconcile) throws Exception {
        Timer.Sample sample = Timer.start(registry);
        String outcome = "success";
        try {
            return reconcile.call();
        } catch (Exception | Error e) {
            outcome = "failure";
            throw e;
        } finally {
            sample.stop(Timer.builder("pinhole.reconcile")
                    .description("Reconcile duration by resource kind and outcome")
                    .tag("kind", kind).tag("outcome", outcome)
                    .register(registry));
        }
    }

    public void childWritten(String kind, String childKind) {
        registry.counter("pinhole.child.writes", "kind", kind, "child", childKind).increment();
    }

    /** A Client newly refused by a connector, by reason (counted when its status starts saying so). */
    public void clientRefused(String reason) {
        registry.counter("pinhole.client.refusals", "reason", reason).increment();
    }

    public void statusWritten(String kind) {
        registry.counter("pinhole.status.writes", "kind", kind).increment();
    }
}
