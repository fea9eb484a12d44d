package dev.pinhole.operator;

import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkiverse.operatorsdk.runtime.api.ConfigurationServiceCustomizer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Consumer;

/** Turns on JOSDK leader election when configured, so several operator replicas reconcile one at a time. */
@ApplicationScoped
public class LeaderElectionCustomizer implements ConfigurationServiceCustomizer {
    private final OperatorSettings settings;

    public LeaderElectionCustomizer(OperatorSettings settings) {
        this.settings = settings;
    }

    @Override
    public Consumer<ConfigurationServiceOverrider> overrider() {
        OperatorSettings.LeaderElection le = settings.leaderElection();
        if (!le.enabled()) {
            return o -> { };
        }
        String namespace = le.leaseNamespace().or(OperatorSettings::podNamespace)
                .orElseThrow(() -> new IllegalStateException(
                        "leader election needs pinhole.leader-election.lease-namespace or POD_NAMESPACE"));
        return o -> o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(le.leaseName(), namespace));
    }
}
