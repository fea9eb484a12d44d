package dev.pinhole;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Layering: protocol libraries know nothing of Kubernetes; the connector knows nothing of the operator. */
class ArchitectureTest {
    private static final String[] LIBRARIES = {
            "dev.pinhole.ipset..", "dev.pinhole.wireguard..", "dev.pinhole.netstack..", "dev.pinhole.nat..",
            "dev.pinhole.dns..", "dev.pinhole.budget.."};

    private static final String[] FORBIDDEN_IN_LIBRARIES = {
            "io.fabric8..", "io.quarkus..", "io.quarkiverse..", "io.javaoperatorsdk..", "jakarta..",
            "dev.pinhole.operator..", "dev.pinhole.api..", "dev.pinhole.connector.."};

    private static final String[] FORBIDDEN_IN_CONNECTOR = {
            "io.fabric8..", "io.javaoperatorsdk..", "dev.pinhole.operator..", "dev.pinhole.api.."};

    private static JavaClasses mainClasses;

    @BeforeAll
    static void importMainClasses() {
        // Package names of dependency targets are known without loading them; resolving Fabric8 and Quarkus
        // from the classpath would only make the import slow.
        ArchConfiguration config = ArchConfiguration.get();
        boolean resolve = config.resolveMissingDependenciesFromClassPath();
        config.setResolveMissingDependenciesFromClassPath(false);
        try {
            mainClasses = new ClassFileImporter()
                    .withImportOption(new ImportOption.DoNotIncludeTests())
                    .importPackages("dev.pinhole");
        } finally {
            config.setResolveMissingDependenciesFromClassPath(resolve);
        }
    }

    private static ArchRule librariesStayPure() {
        return noClasses().that().resideInAnyPackage(LIBRARIES)
                .should().dependOnClassesThat().resideInAnyPackage(FORBIDDEN_IN_LIBRARIES)
                .because("protocol libraries must run and be tested without Kubernetes, Quarkus or the operator")
                .allowEmptyShould(true);
    }

    private static ArchRule connectorStaysOutOfTheOperator() {
        return noClasses().that().resideInAnyPackage("dev.pinhole.connector..")
                .should().dependOnClassesThat().resideInAnyPackage(FORBIDDEN_IN_CONNECTOR)
                .because("the connector pod reads only its config file; it never talks to the Kubernetes API")
                .allowEmptyShould(true);
    }

    @Test
    void librariesDoNotDependOnKubernetesQuarkusOrTheOperator() {
        librariesStayPure().check(mainClasses);
    }

    @Test
    void connectorDoesNotDependOnKubernetesOrTheOperator() {
        connectorStaysOutOfTheOperator().check(mainClasses);
    }

    @Test
    void mainClassesAreImportedWithoutTests() {
        assertThat(mainClasses.contain("dev.pinhole.ipset.IpSet")).isTrue();
        assertThat(mainClasses.contain("dev.pinhole.connector.config.ConnectorConfigCodec")).isTrue();
        assertThat(mainClasses.contain("dev.pinhole.ArchitectureTest")).isFalse();
    }

    /** Guards against a rule that passes vacuously: the same check flags the operator, which does use Fabric8. */
    @Test
    void theDependencyCheckDetectsAViolation() {
        EvaluationResult result = noClasses().that().resideInAnyPackage("dev.pinhole.operator..")
                .should().dependOnClassesThat().resideInAnyPackage(FORBIDDEN_IN_LIBRARIES)
                .evaluate(mainClasses);

        assertThat(result.hasViolation()).isTrue();
    }
}
