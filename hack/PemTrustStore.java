import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

/**
 * Writes a PEM bundle's certificates as a PKCS12 trust store readable without a password, as the JDK's cacerts: the image
 * stand-ins' cacerts hold exactly their Debian CA bundle (hack/image.sh). Usage: java PemTrustStore.java BUNDLE OUT
 */
public class PemTrustStore {
    public static void main(String[] args) throws Exception {
        // As the JDK's own cacerts: certificates unencrypted and no MAC, so the JDK reads it without a password
        // (with the defaults, it reads no trust anchor at all: "the trustAnchors parameter must be non-empty").
        System.setProperty("keystore.pkcs12.certProtectionAlgorithm", "NONE");
        System.setProperty("keystore.pkcs12.macAlgorithm", "NONE");
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int n = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(Path.of(args[0])))) {
            for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + n++, ca);
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no certificates in " + args[0]);
        }
        try (OutputStream out = Files.newOutputStream(Path.of(args[1]))) {
            store.store(out, "changeit".toCharArray());
        }
        System.err.println("PemTrustStore: " + n + " CAs in " + args[1]);
    }
}
