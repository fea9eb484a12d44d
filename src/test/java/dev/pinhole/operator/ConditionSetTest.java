package dev.pinhole.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.operator.ConditionSet.Status;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionSetTest {
    private static final String EARLIER = "2024-01-01T00:00:00Z";
    private static final Clock NOW = Clock.fixed(Instant.parse("2025-06-01T12:34:56.789Z"), ZoneOffset.UTC);
    private static final String NOW_TEXT = "2025-06-01T12:34:56Z";

    private static Condition previous(String type, String status, String reason, String message) {
        return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withObservedGeneration(1L).withLastTransitionTime(EARLIER).build();
    }

    private static Condition only(ConditionSet set) {
        assertThat(set.toList()).hasSize(1);
        return set.toList().get(0);
    }

    @Test
    void lastTransitionTimeIsKeptWhenStatusIsUnchanged() {
        ConditionSet set = new ConditionSet(List.of(previous("Ready", "True", "Resolved", "ok")), 2, NOW);

        set.set("Ready", Status.True, "Resolved", "ok");

        assertThat(only(set).getLastTransitionTime()).isEqualTo(EARLIER);
    }

    @Test
    void lastTransitionTimeIsKeptWhenOnlyReasonAndMessageChange() {
        ConditionSet set = new ConditionSet(List.of(previous("Ready", "True", "AllReplicasReady", "2/2")), 2, NOW);

        set.set("Ready", Status.True, "SomeReplicasReady", "1/2");

        Condition c = only(set);
        assertThat(c.getLastTransitionTime()).isEqualTo(EARLIER);
        assertThat(c.getReason()).isEqualTo("SomeReplicasReady");
        assertThat(c.getMessage()).isEqualTo("1/2");
    }

    @Test
    void lastTransitionTimeIsNowWhenStatusFlips() {
        ConditionSet set = new ConditionSet(List.of(previous("Ready", "True", "Resolved", "ok")), 2, NOW);

        set.set("Ready", Status.False, "InvalidEntry", "bad");

        assertThat(only(set).getLastTransitionTime()).isEqualTo(NOW_TEXT);
    }

    @Test
    void newConditionGetsTheClockTimeTruncatedToSeconds() {
        ConditionSet set = new ConditionSet(List.of(), 1, NOW);

        set.set("Ready", Status.Unknown, "Pending", "");

        assertThat(only(set).getLastTransitionTime()).isEqualTo(NOW_TEXT);
    }

    @Test
    void nullPreviousListIsTreatedAsEmpty() {
        ConditionSet set = new ConditionSet(null, 1, NOW);

        set.set("Ready", Status.True, "Resolved", "ok");

        assertThat(set.changed("Ready")).isTrue();
        assertThat(only(set).getLastTransitionTime()).isEqualTo(NOW_TEXT);
    }

    @Test
    void observedGenerationIsStampedOnEveryCondition() {
        ConditionSet set = new ConditionSet(List.of(previous("Ready", "True", "Resolved", "ok")), 7, NOW);

        set.set("Ready", Status.True, "Resolved", "ok");
        set.set("Invalid", Status.False, "Valid", "");

        assertThat(set.toList()).extracting(Condition::getObservedGeneration).containsOnly(7L);
    }

    @Test
    void nullMessageBecomesEmpty() {
        ConditionSet set = new ConditionSet(List.of(), 1, NOW);

        set.set("Ready", Status.True, "Resolved", null);

        assertThat(only(set).getMessage()).isEmpty();
    }

    @Test
    void changedIsTrueForAConditionThatDidNotExist() {
        ConditionSet set = new ConditionSet(List.of(), 1, NOW);

        set.set("Ready", Status.True, "Resolved", "ok");

        assertThat(set.changed("Ready")).isTrue();
    }

    @Test
    void changedIsTrueWhenStatusFlips() {
        ConditionSet set = new ConditionSet(List.of(previous("Ready", "True", "Resolved", "ok")), 1, NOW);

        set.set("Ready", Status.False, "InvalidEntry", "bad");

        assertThat(set.changed("Ready")).isTrue();
    }

    @Test
    void changedIsFalseWhenOnlyReasonChanges() {
        ConditionSet set = new ConditionSet(List.of(previous("Ready", "True", "Resolved", "ok")), 1, NOW);

        set.set("Ready", Status.True, "SomethingElse", "other");

        assertThat(set.changed("Ready")).isFalse();
    }

    @Test
    void changedIsFalseForAConditionNotSetNow() {
        ConditionSet set = new ConditionSet(List.of(previous("Ready", "True", "Resolved", "ok")), 1, NOW);

        assertThat(set.changed("Ready")).isFalse();
        assertThat(set.changed("Never")).isFalse();
    }

    @Test
    void statusOfReportsTheStatusSetNow() {
        ConditionSet set = new ConditionSet(List.of(previous("Ready", "True", "Resolved", "ok")), 1, NOW);

        set.set("Degraded", Status.False, "AsExpected", "");

        assertThat(set.statusOf("Degraded")).isEqualTo("False");
        assertThat(set.statusOf("Ready")).isNull();
    }

    @Test
    void toListIsSortedByType() {
        ConditionSet set = new ConditionSet(List.of(), 1, NOW);

        set.set("Ready", Status.True, "R", "");
        set.set("Degraded", Status.False, "D", "");
        set.set("Progressing", Status.False, "P", "");
        set.set("EgressVerified", Status.Unknown, "E", "");

        assertThat(set.toList()).extracting(Condition::getType)
                .containsExactly("Degraded", "EgressVerified", "Progressing", "Ready");
    }

    @Test
    void conditionsNotSetNowAreDropped() {
        ConditionSet set = new ConditionSet(List.of(previous("Ready", "True", "Resolved", "ok"),
                previous("Invalid", "True", "InvalidEntry", "bad")), 1, NOW);

        set.set("Ready", Status.True, "Resolved", "ok");

        assertThat(set.toList()).extracting(Condition::getType).containsExactly("Ready");
    }

    @Test
    void settingTheSameTypeTwiceKeepsTheLast() {
        ConditionSet set = new ConditionSet(List.of(), 1, NOW);

        set.set("Ready", Status.False, "First", "");
        set.set("Ready", Status.True, "Second", "");

        assertThat(only(set).getReason()).isEqualTo("Second");
    }

    @Test
    void unchangedFactsYieldAnEqualList() {
        ConditionSet first = new ConditionSet(List.of(), 3, NOW);
        first.set("Ready", Status.True, "Resolved", "ok");
        first.set("Invalid", Status.False, "Valid", "");
        Clock later = Clock.offset(NOW, java.time.Duration.ofHours(1));

        ConditionSet second = new ConditionSet(first.toList(), 3, later);
        second.set("Invalid", Status.False, "Valid", "");
        second.set("Ready", Status.True, "Resolved", "ok");

        assertThat(second.toList()).isEqualTo(first.toList());
    }
}
