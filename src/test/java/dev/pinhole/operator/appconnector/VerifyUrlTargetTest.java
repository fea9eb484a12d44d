package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.Adversarial;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which verify URLs a tenant may make the connector fetch from inside the cluster. */
class VerifyUrlTargetTest {

    @ParameterizedTest
    @ValueSource(strings = {"https://checkip.amazonaws.com", "http://checkip.example.com/ip", "https://203.0.113.7/",
            "http://[2001:db8::7]:8080/ip", "https://ifconfig.me."})
    void aPublicCheckipServiceIsAllowed(String url) {
        assertThat(VerifyUrlTarget.problem(url)).isEmpty();
    }

    @Adversarial
    @ParameterizedTest
    @ValueSource(strings = {"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "http://[fd00:ec2::254]/latest/meta-data/", "http://metadata.google.internal/computeMetadata/v1/",
            "http://metadata/computeMetadata/v1/", "http://[::ffff:169.254.169.254]/", "http://[::ffff:a9fe:a9fe]/",
            "http://2852039166/", "http://0xa9fea9fe/", "http://169.254.43518/", "http://0251.0376.0251.0376/",
            "http://127.0.0.1:9090/status", "http://localhost:9090/", "http://[::1]/", "http://10.96.0.1/",
            "http://192.168.1.1/", "http://172.20.0.1/", "http://100.100.100.200/latest/meta-data/",
            "https://kubernetes.default.svc/api", "http://vault.vault.svc.cluster.local:8200/v1/secret",
            "http://prometheus:9090/api/v1/query", "http://node.local/", "http://fe80::1/", "http://[fe80::1%25eth0]/",
            "http://0.0.0.0/"})
    void metadataLinkLocalLoopbackPrivateAndClusterTargetsAreRefusedNamingTheField(String url) {
        assertThat(VerifyUrlTarget.problem(url)).hasValueSatisfying(p -> {
            assertThat(p.field()).isEqualTo("spec.egress.verify.url");
            assertThat(p.value()).isEqualTo(url);
        });
    }
}
