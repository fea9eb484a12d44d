package dev.pinhole.operator.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelSelectorMatchTest {
    private static final Map<String, String> PAYMENTS_EU = Map.of("team", "payments", "region", "eu");

    private static LabelSelector expression(String key, String operator, String... values) {
        return new LabelSelectorBuilder().addNewMatchExpression().withKey(key).withOperator(operator)
                .withValues(values).endMatchExpression().build();
    }

    @Test
    void nullSelectorMatchesNothing() {
        assertThat(LabelSelectorMatch.matches(null, PAYMENTS_EU)).isFalse();
        assertThat(LabelSelectorMatch.matches(null, Map.of())).isFalse();
    }

    @Test
    void emptySelectorMatchesEverything() {
        assertThat(LabelSelectorMatch.matches(new LabelSelector(), PAYMENTS_EU)).isTrue();
        assertThat(LabelSelectorMatch.matches(new LabelSelector(), Map.of())).isTrue();
        assertThat(LabelSelectorMatch.matches(new LabelSelector(), null)).isTrue();
    }

    @Test
    void matchLabelsRequiresEveryPair() {
        LabelSelector both = new LabelSelectorBuilder().addToMatchLabels("team", "payments")
                .addToMatchLabels("region", "eu").build();
        LabelSelector wrongRegion = new LabelSelectorBuilder().addToMatchLabels("team", "payments")
                .addToMatchLabels("region", "us").build();

        assertThat(LabelSelectorMatch.matches(both, PAYMENTS_EU)).isTrue();
        assertThat(LabelSelectorMatch.matches(wrongRegion, PAYMENTS_EU)).isFalse();
    }

    @Test
    void matchLabelsDoesNotMatchMissingLabel() {
        LabelSelector s = new LabelSelectorBuilder().addToMatchLabels("tier", "gold").build();

        assertThat(LabelSelectorMatch.matches(s, PAYMENTS_EU)).isFalse();
        assertThat(LabelSelectorMatch.matches(s, null)).isFalse();
    }

    @Test
    void inMatchesWhenTheValueIsListed() {
        assertThat(LabelSelectorMatch.matches(expression("region", "In", "us", "eu"), PAYMENTS_EU)).isTrue();
        assertThat(LabelSelectorMatch.matches(expression("region", "In", "us", "ap"), PAYMENTS_EU)).isFalse();
    }

    @Test
    void inDoesNotMatchAMissingLabel() {
        assertThat(LabelSelectorMatch.matches(expression("tier", "In", "gold"), PAYMENTS_EU)).isFalse();
    }

    @Test
    void notInMatchesWhenTheValueIsNotListed() {
        assertThat(LabelSelectorMatch.matches(expression("region", "NotIn", "us"), PAYMENTS_EU)).isTrue();
        assertThat(LabelSelectorMatch.matches(expression("region", "NotIn", "eu"), PAYMENTS_EU)).isFalse();
    }

    @Test
    void notInMatchesAMissingLabel() {
        assertThat(LabelSelectorMatch.matches(expression("tier", "NotIn", "gold"), PAYMENTS_EU)).isTrue();
    }

    @Test
    void existsMatchesAnyValueOfThePresentKey() {
        assertThat(LabelSelectorMatch.matches(expression("team", "Exists"), PAYMENTS_EU)).isTrue();
        assertThat(LabelSelectorMatch.matches(expression("tier", "Exists"), PAYMENTS_EU)).isFalse();
    }

    @Test
    void doesNotExistMatchesOnlyWithoutTheKey() {
        assertThat(LabelSelectorMatch.matches(expression("tier", "DoesNotExist"), PAYMENTS_EU)).isTrue();
        assertThat(LabelSelectorMatch.matches(expression("team", "DoesNotExist"), PAYMENTS_EU)).isFalse();
    }

    @Test
    void matchLabelsAndExpressionsAreAnded() {
        LabelSelector s = new LabelSelectorBuilder().addToMatchLabels("team", "payments")
                .addNewMatchExpression().withKey("region").withOperator("In").withValues("us").endMatchExpression()
                .build();

        assertThat(LabelSelectorMatch.matches(s, PAYMENTS_EU)).isFalse();
        assertThat(LabelSelectorMatch.matches(s, Map.of("team", "payments", "region", "us"))).isTrue();
    }

    @Test
    @dev.pinhole.testing.Adversarial
    void anUnknownOperatorMatchesNothingAndIsNamedAsAProblemInsteadOfThrowing() {
        assertThat(LabelSelectorMatch.matches(expression("team", "Gt", "1"), PAYMENTS_EU)).isFalse();
        assertThat(LabelSelectorMatch.problem(expression("team", "Gt", "1"), "spec.appConnectors"))
                .contains("spec.appConnectors.matchExpressions[0].operator: \"Gt\": expected In, NotIn, Exists or"
                        + " DoesNotExist");
    }
}
