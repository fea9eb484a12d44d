package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How the chart-RBAC e2e test reads the API server's audit log and the operator's log for refused calls. */
class AuditLogTest {
    private static final String SA = "system:serviceaccount:rbac-sys-1:pinhole-e2e-1";
    private static final String REFUSED = """
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete",\
            "requestURI":"/api/v1/namespaces/rbac-1/events","verb":"create","user":{"username":"%s"},\
            "objectRef":{"resource":"events","namespace":"rbac-1","apiVersion":"v1"},\
            "responseStatus":{"metadata":{},"status":"Failure","reason":"Forbidden","code":403},\
            "annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}""".formatted(SA);
    /** Authorized, then refused by admission: the namespace is being deleted. */
    private static final String TERMINATING = REFUSED.replace("\"forbid\"", "\"allow\"").replace("\"a1\"", "\"t1\"");
    private static final String WATCH_STARTED = """
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"w1","stage":"ResponseStarted","verb":"watch",\
            "user":{"username":"%s"},"objectRef":{"resource":"ipsets","namespace":"rbac-1","apiGroup":"pinhole.dev"},\
            "responseStatus":{"metadata":{},"code":101}}""".formatted(SA);
    private static final String WATCH_COMPLETE = WATCH_STARTED.replace("ResponseStarted", "ResponseComplete")
            .replace("101", "200");
    private static final String OTHER_USER = REFUSED.replace(SA, "system:serviceaccount:other:sa")
            .replace("\"a1\"", "\"o1\"");

    @Test
    void aRefusedRequestIsReportedTheWayRbacRulesNameIt() {
        List<AuditLog.Request> requests = AuditLog.parse(List.of(REFUSED));
        assertThat(requests).singleElement().satisfies(r -> {
            assertThat(r.forbidden()).isTrue();
            assertThat(r.describe()).isEqualTo("create core/events in rbac-1 -> 403");
        });
    }

    @Test
    void aWriteIntoANamespaceBeingDeletedIsNoRbacRefusal() {
        assertThat(AuditLog.parse(List.of(TERMINATING))).singleElement()
                .satisfies(r -> assertThat(r.forbidden()).isFalse());
    }

    /** The PATCH itself is allowed; the API server then checks "create" because the apply would create the object. */
    @Test
    void anApplyRefusedTheCreateItImpliesIsARefusal() {
        String apply = REFUSED.replace("\"create\"", "\"patch\"").replace("\"forbid\"", "\"allow\"")
                .replace("\"code\":403", "\"code\":403,\"message\":\"configmaps \\\"edge-config\\\" is forbidden: User"
                        + " \\\"" + SA + "\\\" cannot create resource \\\"configmaps\\\" in API group \\\"\\\"\"")
                .replace("\"events\"", "\"configmaps\"");
        assertThat(AuditLog.parse(List.of(apply))).singleElement().satisfies(r -> {
            assertThat(r.forbidden()).isTrue();
            assertThat(r.describe()).startsWith("patch core/configmaps in rbac-1 -> 403 (configmaps \"edge-config\"")
                    .contains("cannot create resource");
        });
    }

    @Test
    void aWatchCountsOnceWithItsFinalCode() {
        List<AuditLog.Request> requests = AuditLog.parse(List.of(WATCH_STARTED, WATCH_COMPLETE));
        assertThat(requests).singleElement().satisfies(r -> {
            assertThat(r.forbidden()).isFalse();
            assertThat(r.describe()).isEqualTo("watch pinhole.dev/ipsets in rbac-1 -> 200");
        });
    }

    @Test
    void requestsAreTiedToTheirUser() {
        List<AuditLog.Request> requests = AuditLog.parse(List.of(OTHER_USER, WATCH_COMPLETE));
        assertThat(requests).extracting(AuditLog.Request::user)
                .containsExactly("system:serviceaccount:other:sa", SA);
    }

    @Test
    void aTruncatedLastLineIsSkipped() {
        assertThat(AuditLog.parse(List.of(REFUSED, REFUSED.substring(0, 40)))).hasSize(1);
    }

    @Test
    void onlyRbacRefusalsAreForbiddenLogLines() {
        String refused = "DEBUG [dev.pinhole.operator.EventRecorder] could not record event KeyGenerated on edge:"
                + " Failure executing: POST at: https://127.0.0.1:46443/api/v1/namespaces/rbac-1/events. Message:"
                + " events is forbidden: User \"" + SA + "\" cannot create resource \"events\"";
        String terminating = "WARN Failure executing: PATCH at: https://127.0.0.1:46443/apis/apps/v1/namespaces/e2e-1/"
                + "deployments/edge. Message: deployments.apps \"edge\" is forbidden: unable to create new content in"
                + " namespace e2e-1 because it is being terminated. Received status: Status(code=403, reason=Forbidden)";
        String ownerRef = "ERROR Failure executing: POST at: https://127.0.0.1:46443/api/v1/namespaces/rbac-1/secrets."
                + " Message: secrets \"edge-key\" is forbidden: cannot set blockOwnerDeletion if an ownerReference"
                + " refers to a resource you can't set finalizers on: , <nil>. Received status: Status(code=403)";
        String fine = "INFO [io.javaoperatorsdk] Reconciled AppConnector rbac-1/edge; 403 bytes written";
        assertThat(ForbiddenLogLines.of(List.of(refused, terminating, ownerRef, fine)))
                .containsExactly(refused, ownerRef);
    }
}
