package dev.pinhole.operator;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;

/** CDI producers for the few shared collaborators of the reconcilers. */
@ApplicationScoped
public class OperatorBeans {

    @Produces
    @ApplicationScoped
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @ApplicationScoped
    ChildWriter childWriter(OperatorSettings settings) {
        return new ChildWriter("update".equalsIgnoreCase(settings.operator().applyMode())
                ? ChildWriter.Mode.UPDATE : ChildWriter.Mode.SERVER_SIDE_APPLY);
    }

    @Produces
    @ApplicationScoped
    EventRecorder eventRecorder(Clock clock) {
        return new EventRecorder(clock);
    }
}
