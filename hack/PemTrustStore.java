import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

/**
 * Writes a PEM bundle's certificates as a PKCS12 trust store (password "changeit", as Java's cacerts): the image
 * stand-ins' cacerts hold exactly their Debian CA bundle (hack/image.sh). Usage: java PemTrustStore.java BUNDLE OUT
 */
public class PemTrustStore {
    public static void main(String[] args) throws Exception {
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
