package dev.pinhole.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.testing.ToolRequired;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The Argo CD health checks in deploy/argocd/, run by a real Lua 5.1 interpreter in a sandbox with only what Argo
 * CD's Lua VM opens, against AppConnector and IPSet objects whose conditions are the ones the operator writes.
 */
@ToolRequired(value = "lua5.1", installHint = "lua5.1")
class ArgoHealthLuaTest {
    static final Path APPCONNECTOR_SCRIPT = RepoLayout.DEPLOY.resolve("argocd/health-appconnector.lua");
    static final Path IPSET_SCRIPT = RepoLayout.DEPLOY.resolve("argocd/health-ipset.lua");
    static final Path CLIENT_SCRIPT = RepoLayout.DEPLOY.resolve("argocd/health-client.lua");
    static final String FIXTURES = "ArgoHealthLuaTest/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path workDir;
    private static Path harness;

    /** What a health script returned. */
    record Health(String status, String message) {}

    @BeforeAll
    static void writeHarness() throws IOException {
        workDir = Files.createTempDirectory("pinhole-argo-health");
        harness = workDir.resolve("harness.lua");
        try (InputStream in = ArgoHealthLuaTest.class.getResourceAsStream("argo-health-harness.lua")) {
            Files.copy(in, harness);
        }
    }

    @AfterAll
    static void removeWorkDir() throws IOException {
        try (var files = Files.list(workDir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(workDir);
    }

    static JsonNode fixture(String name) {
        try (InputStream in = ArgoHealthLuaTest.class.getResourceAsStream(FIXTURES + name + ".json")) {
            assertThat(in).as("fixture %s", name).isNotNull();
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static CommandResult runScript(Path script, JsonNode object) {
        try {
            Path objectFile = Files.createTempFile(workDir, "object", ".lua");
            Files.writeString(objectFile, LuaLiteral.chunk(object), StandardCharsets.UTF_8);
            return ExternalCommand.run(workDir, Duration.ofSeconds(30),
                    List.of("lua5.1", harness.toString(), script.toString(), objectFile.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Health health(Path script, String fixture) {
        CommandResult result = runScript(script, fixture(fixture));
        assertThat(result.exitCode()).as(result.describe()).isZero();
        String[] lines = result.stdout().split("\n", -1);
        assertThat(lines.length).as(result.describe()).isGreaterThanOrEqualTo(2);
        return new Health(lines[0], lines[1]);
    }

    @Test
    void theSandboxRefusesWhatArgoCdDoesNotOpen() throws IOException {
        Path script = Files.createTempFile(workDir, "uses-string-methods", ".lua");
        Files.writeString(script, "local hs = {}\nhs.status = (\"Healthy\"):sub(1)\nreturn hs\n");

        CommandResult result = runScript(script, fixture("appconnector-ready"));

        assertThat(result.exitCode()).as(result.describe()).isEqualTo(3);
        assertThat(result.stderr()).contains("attempt to index a string value");
    }

    @Nested
    class AppConnector {
        private Health health(String fixture) {
            return ArgoHealthLuaTest.health(APPCONNECTOR_SCRIPT, fixture);
        }

        @Test
        void withoutStatusItWaitsForTheOperator() {
            assertThat(health("appconnector-no-status")).isEqualTo(new Health("Progressing",
                    "Waiting for the Pinhole operator to reconcile this AppConnector"));
        }

        @Test
        void aRolloutUnderWayIsProgressingWithItsCounts() {
            assertThat(health("appconnector-rolling-out")).isEqualTo(new Health("Progressing",
                    "RollingOut: 0/2 pods updated, 0/2 connector pods ready"));
        }

        @Test
        void readyWithVerifiedEgressIsHealthy() {
            assertThat(health("appconnector-ready")).isEqualTo(new Health("Healthy",
                    "AllReplicasReady: 2/2 connector pods ready; egress Verified: 2 pods observe egress 203.0.113.10"));
        }

        @Test
        void anInvalidSpecIsDegradedNamingFieldAndValue() {
            assertThat(health("appconnector-invalid-spec")).isEqualTo(new Health("Degraded",
                    "InvalidSpec: spec.clients[0].address: \"10.9.9.9/32\": outside the tunnel network 100.96.0.0/24."
                            + " The last valid connector config stays in force."));
        }

        @Test
        void anUnreadyIpSetRouteIsDegradedNamingTheSet() {
            assertThat(health("appconnector-ipset-not-ready")).isEqualTo(new Health("Degraded",
                    "IPSetNotReady: spec.routes.ipSets: IPSet \"github-meta\" is not Ready (IncludeCycle: include"
                            + " cycle: github-meta -> office -> github-meta). The last valid connector config stays"
                            + " in force."));
        }

        @Test
        void podsMissingAfterTheRolloutAreDegraded() {
            assertThat(health("appconnector-replicas-unavailable")).isEqualTo(new Health("Degraded",
                    "ReplicasUnavailable: 1/2 connector pods ready"));
        }

        @Test
        void aStatusOlderThanTheSpecIsProgressing() {
            assertThat(health("appconnector-stale-generation")).isEqualTo(new Health("Progressing",
                    "Waiting for the operator to observe generation 3 (status describes generation 2)"));
        }

        @Test
        void degradedForAnOlderSpecIsProgressingOnceTheSpecChanged() {
            assertThat(health("appconnector-stale-degraded")).isEqualTo(new Health("Progressing",
                    "Waiting for the operator to observe generation 3 (status describes generation 2)"));
        }

        @Test
        void aFailedApplyIsDegradedAlthoughTheStatusGenerationLags() {
            Health health = health("appconnector-apply-failed");

            assertThat(health.status()).isEqualTo("Degraded");
            assertThat(health.message()).startsWith("ApplyFailed: Failure executing: PATCH")
                    .contains("denied the request");
        }

        @Test
        void anEgressMismatchIsDegradedWithTheObservedAddress() {
            assertThat(health("appconnector-egress-mismatch")).isEqualTo(new Health("Degraded",
                    "egress Mismatch: pods observe egress 198.51.100.7, expected 203.0.113.10"));
        }

        @Test
        void egressNotYetReportedWhileEnforcedIsProgressing() {
            assertThat(health("appconnector-egress-awaiting-enforced")).isEqualTo(new Health("Progressing",
                    "egress AwaitingDataPlane: waiting for the connector pods to report their observed egress IP"));
        }

        @Test
        void egressNotYetReportedWithoutEnforceIsHealthyAndSaysSo() {
            assertThat(health("appconnector-egress-awaiting-not-enforced")).isEqualTo(new Health("Healthy",
                    "AllReplicasReady: 2/2 connector pods ready; egress AwaitingDataPlane: waiting for the"
                            + " connector pods to report their observed egress IP"));
        }

        @Test
        void egressWithoutVerifyIsHealthyAndSaysItIsOnlyDeclared() {
            assertThat(health("appconnector-egress-not-requested")).isEqualTo(new Health("Healthy",
                    "AllReplicasReady: 2/2 connector pods ready; egress NotRequested: spec.egress.verify is not"
                            + " set; the egress IP is declared, not checked"));
        }

        @Test
        void scaledToZeroIsSuspended() {
            assertThat(health("appconnector-scaled-to-zero")).isEqualTo(new Health("Suspended",
                    "ScaledToZero: spec.replicas is 0: nothing carries traffic"));
        }
    }

    @Nested
    class IPSet {
        private Health health(String fixture) {
            return ArgoHealthLuaTest.health(IPSET_SCRIPT, fixture);
        }

        @Test
        void withoutStatusItWaitsForTheOperator() {
            assertThat(health("ipset-no-status")).isEqualTo(new Health("Progressing",
                    "Waiting for the Pinhole operator to resolve this IPSet"));
        }

        @Test
        void resolvedIsHealthyWithItsCounts() {
            assertThat(health("ipset-ready")).isEqualTo(new Health("Healthy", "Resolved: 6 CIDRs, 28 addresses"));
        }

        @Test
        void anInvalidEntryIsDegradedNamingTheEntry() {
            assertThat(health("ipset-invalid-entry")).isEqualTo(new Health("Degraded",
                    "InvalidEntry: spec.addresses[1]: \"198.51.100.5/28\": host bits set (did you mean"
                            + " 198.51.100.0/28?)"));
        }

        @Test
        void anIncludeCycleIsDegradedWithTheCycle() {
            assertThat(health("ipset-include-cycle")).isEqualTo(new Health("Degraded",
                    "IncludeCycle: include cycle: vendor-allowlist -> office -> vendor-allowlist"));
        }

        @Test
        void anUnknownReferenceIsDegradedNamingIt() {
            assertThat(health("ipset-unknown-reference")).isEqualTo(new Health("Degraded",
                    "UnknownReference: spec.include[0]: IPSet \"office\" not found in namespace team-a"));
        }

        @Test
        void aStatusOlderThanTheSpecIsProgressing() {
            assertThat(health("ipset-stale-generation")).isEqualTo(new Health("Progressing",
                    "Waiting for the operator to observe generation 2 (status describes generation 1)"));
        }

        @Test
        void invalidForAnOlderSpecIsProgressingOnceTheSpecChanged() {
            assertThat(health("ipset-stale-invalid")).isEqualTo(new Health("Progressing",
                    "Waiting for the operator to observe generation 2 (status describes generation 1)"));
        }
    }

    @Nested
    class Client {
        private Health health(String fixture) {
            return ArgoHealthLuaTest.health(CLIENT_SCRIPT, fixture);
        }

        @Test
        void withoutStatusItWaitsForAConnector() {
            assertThat(health("client-no-status")).isEqualTo(new Health("Progressing",
                    "Waiting for an AppConnector to admit this Client"));
        }

        @Test
        void admittedIsHealthyNamingTheConnector() {
            assertThat(health("client-admitted")).isEqualTo(new Health("Healthy",
                    "Admitted: admitted by pinhole-apps/corp-apps"));
        }

        @Test
        void aRefusedGroupIsDegradedNamingTheGroup() {
            assertThat(health("client-group-not-allowed")).isEqualTo(new Health("Degraded",
                    "GroupNotAllowed: pinhole-apps/corp-apps: group \"admins\" is not in"
                            + " clientSources[0].allowedGroups [sales, support]"));
        }

        @Test
        void noConnectorSelectingItIsDegraded() {
            assertThat(health("client-no-connector")).isEqualTo(new Health("Degraded",
                    "NoConnector: no AppConnector's clientSources select this client (its namespace and labels)"));
        }

        @Test
        void anAdmissionOlderThanTheSpecIsProgressing() {
            assertThat(health("client-stale-generation")).isEqualTo(new Health("Progressing",
                    "Waiting for the operator to observe generation 2 (Admitted describes generation 1)"));
        }
    }
}
