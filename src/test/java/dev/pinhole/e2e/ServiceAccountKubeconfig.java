package dev.pinhole.e2e;

import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

/**
 * A kubeconfig that authenticates as a ServiceAccount with a token minted by the TokenRequest API, for the
 * server and CA of the client's own cluster: what an in-cluster pod of that ServiceAccount would be allowed.
 */
final class ServiceAccountKubeconfig {
    private ServiceAccountKubeconfig() {
    }

    /** Mints a one-hour token for {@code namespace/serviceAccount} and writes a kubeconfig using it (mode 600). */
    static Path write(KubernetesClient client, String namespace, String serviceAccount) throws IOException {
        TokenRequest request = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build();
        String token = client.serviceAccounts().inNamespace(namespace).withName(serviceAccount).tokenRequest(request)
                .getStatus().getToken();
        Config config = client.getConfiguration();
        String server = config.getMasterUrl().replaceAll("/+$", "");
        Path file = Files.createTempFile("pinhole-sa-", ".kubeconfig",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: cluster
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: %s
                  user:
                    token: %s
                contexts:
                - name: sa
                  context: {cluster: cluster, user: %s, namespace: %s}
                current-context: sa
                """.formatted(server, caData(config), serviceAccount, token, serviceAccount,
                namespace), StandardCharsets.UTF_8);
        file.toFile().deleteOnExit();  // holds a live token
        return file;
    }

    private static String caData(Config config) throws IOException {
        if (config.getCaCertData() != null && !config.getCaCertData().isBlank()) {
            return config.getCaCertData();
        }
        if (config.getCaCertFile() != null) {
            return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(config.getCaCertFile())));
        }
        throw new IllegalStateException("the current kubeconfig names no certificate authority");
    }
}
