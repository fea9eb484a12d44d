package dev.pinhole.connector;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;

/** The connector's Micrometer registry, exposed in Prometheus text format on /metrics. */
public final class ConnectorMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public ConnectorMetrics() {
        registry.config().commonTags("role", "connector");
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        @SuppressWarnings("resource")
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        for (BoundedHttpListener.Refusal why : BoundedHttpListener.Refusal.values()) {
            httpRefusals(why);
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }

    /** A connection to the HTTP port ended without a normal answer, and why. */
    void httpRefused(BoundedHttpListener.Refusal why) {
        httpRefusals(why).increment();
    }

    private io.micrometer.core.instrument.Counter httpRefusals(BoundedHttpListener.Refusal why) {
        return registry.counter("pinhole.connector.http.refused", "reason", why.label);
    }

    public void configReload(String outcome) {
        registry.counter("pinhole.connector.config.reloads", "outcome", outcome).increment();
    }
}
