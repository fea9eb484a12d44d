package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pinhole.api.AppConnector;
import dev.pinhole.testing.MutableClock;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServiceCreationsTest {
    private static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    private final MutableClock clock = new MutableClock();
    private final ServiceCreations creations = new ServiceCreations(2, RETRY_AFTER, clock);
    private final List<ResourceID> triggered = new CopyOnWriteArrayList<>();
    private final AtomicInteger creates = new AtomicInteger();

    ServiceCreationsTest() {
        creations.setEventHandler((Event e) -> triggered.add(e.getRelatedCustomResourceID()));
    }

    @AfterEach
    void stop() {
        creations.stop();
    }

    private static AppConnector connector(String uid) {
        AppConnector c = TestConnectors.valid();
        c.getMetadata().setUid(uid);
        return c;
    }

    private static Service service() {
        return new ServiceBuilder().withNewMetadata().withName(TestConnectors.NAME).endMetadata()
                .withNewSpec().withType("NodePort").addNewPort().withPort(51820).withNodePort(31820).endPort()
                .endSpec().build();
    }

    private Service countedCreate() {
        creates.incrementAndGet();
        return service();
    }

    private void awaitTrigger(int count) {
        await().atMost(Duration.ofSeconds(10)).until(() -> triggered.size() >= count);
    }

    @Test
    void aCreateIsStartedOnceWhileItIsUnderWay() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AppConnector c = connector("uid-1");
        ServiceCreations.Outcome first = creations.request(c, () -> {
            creates.incrementAndGet();
            awaitQuietly(release);
            return service();
        });
        ServiceCreations.Outcome second = creations.request(c, this::countedCreate);
        release.countDown();
        awaitTrigger(1);

        assertThat(first).isInstanceOf(ServiceCreations.Outcome.Pending.class);
        assertThat(second).isInstanceOf(ServiceCreations.Outcome.Pending.class);
        assertThat(creates).hasValue(1);
    }

    @Test
    void anEndedCreateTriggersTheConnectorAndHandsBackTheCreatedService() {
        AppConnector c = connector("uid-1");
        creations.request(c, this::countedCreate);
        awaitTrigger(1);

        ServiceCreations.Outcome next = creations.request(c, this::countedCreate);

        assertThat(triggered).containsExactly(ResourceID.fromResource(c));
        assertThat(next).isInstanceOfSatisfying(ServiceCreations.Outcome.Created.class,
                created -> assertThat(created.service().getSpec().getPorts().get(0).getNodePort()).isEqualTo(31820));
        assertThat(creates).hasValue(1);
    }

    @Test
    void aRefusedCreateIsReportedAndRetriedOnlyAfterTheRetryPeriod() {
        AppConnector c = connector("uid-1");
        creations.request(c, () -> {
            throw new IllegalStateException("services \"saas\" is forbidden: exceeded quota");
        });
        awaitTrigger(1);

        ServiceCreations.Outcome soon = creations.request(c, this::countedCreate);
        clock.advance(RETRY_AFTER);
        ServiceCreations.Outcome later = creations.request(c, this::countedCreate);
        awaitTrigger(2);

        assertThat(soon).isInstanceOfSatisfying(ServiceCreations.Outcome.Failed.class,
                failed -> assertThat(failed.message()).contains("exceeded quota"));
        assertThat(later).as("the last failure is still reported while the retry runs")
                .isInstanceOf(ServiceCreations.Outcome.Failed.class);
        assertThat(creates).hasValue(1);
    }

    @Test
    void aConnectorCreatedAgainUnderTheSameNameStartsAfresh() {
        creations.request(connector("uid-1"), this::countedCreate);
        awaitTrigger(1);

        ServiceCreations.Outcome forTheNewOne = creations.request(connector("uid-2"), this::countedCreate);
        awaitTrigger(2);

        assertThat(forTheNewOne).isInstanceOf(ServiceCreations.Outcome.Pending.class);
        assertThat(creates).hasValue(2);
    }

    @Test
    void onceTheInformerHasTheServiceNothingIsRemembered() {
        AppConnector c = connector("uid-1");
        creations.request(c, this::countedCreate);
        awaitTrigger(1);

        creations.settled(c);
        ServiceCreations.Outcome afterDeletion = creations.request(c, this::countedCreate);
        awaitTrigger(2);

        assertThat(afterDeletion).as("a Service deleted later is created again")
                .isInstanceOf(ServiceCreations.Outcome.Pending.class);
        assertThat(creates).hasValue(2);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
