package dev.pinhole.operator;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.UUID;
import org.jboss.logging.Logger;

/** Records Kubernetes Events on an object for notable transitions; failing to record never fails a reconcile. */
public final class EventRecorder {
    private static final Logger LOG = Logger.getLogger(EventRecorder.class);

    /** Event types as Kubernetes spells them. */
    public enum Type { Normal, Warning }

    private final Clock clock;

    public EventRecorder(Clock clock) {
        this.clock = clock;
    }

    public void record(KubernetesClient client, HasMetadata about, Type type, String reason, String message) {
        String now = DateTimeFormatter.ISO_INSTANT.format(Instant.now(clock).truncatedTo(ChronoUnit.SECONDS));
        var event = new EventBuilder()
                .withNewMetadata()
                    .withName(about.getMetadata().getName() + "." + UUID.randomUUID().toString()
                            .substring(0, 8).toLowerCase(Locale.ROOT))
                    .withNamespace(about.getMetadata().getNamespace())
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                        .withApiVersion(about.getApiVersion())
                        .withKind(about.getKind())
                        .withName(about.getMetadata().getName())
                        .withNamespace(about.getMetadata().getNamespace())
                        .withUid(about.getMetadata().getUid())
                        .withResourceVersion(about.getMetadata().getResourceVersion())
                        .build())
                .withType(type.name())
                .withReason(reason)
                .withMessage(message.length() > 1024 ? message.substring(0, 1021) + "..." : message)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .withNewSource().withComponent("pinhole-operator").endSource()
                .withReportingComponent("pinhole.dev/operator")
                .withReportingInstance(System.getenv().getOrDefault("HOSTNAME", "pinhole-operator"))
                .build();
        try {
            client.v1().events().inNamespace(about.getMetadata().getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            LOG.debugf("could not record event %s on %s: %s", reason, about.getMetadata().getName(), e.getMessage());
        }
    }
}
