package dev.pinhole.operator.ipset;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.ForbiddenAddresses;
import dev.pinhole.ipset.feed.FeedFetcher;
import dev.pinhole.ipset.feed.FeedHostPolicy;
import dev.pinhole.ipset.feed.FeedPreset;
import dev.pinhole.operator.OperatorSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * What the operator settings say about fetching feeds, made into the library's terms: the host policy (allowed
 * hosts, plain-http hosts, forbidden blocks with the cluster's ranges), the presets' origins and the TLS trust.
 */
public record FeedAccess(FeedHostPolicy policy, PresetOrigins origins, SSLContext tls, double maxShrink,
        int concurrency) {

    /** From the settings; a setting that does not parse stops the operator at start, naming it. */
    public static FeedAccess from(OperatorSettings.Feeds feeds) {
        PresetOrigins origins = PresetOrigins.parse(feeds.presetOrigins().orElse(List.of()));
        Set<String> allowed = new LinkedHashSet<>(feeds.allowedHosts().orElse(List.copyOf(FeedPreset.defaultHosts())));
        // An overridden origin is the admin's own choice of host: allowed without a second setting.
        origins.overrides().values().forEach(uri -> allowed.add(uri.getHost()));
        List<Cidr> ranges = feeds.clusterRanges().map(l -> l.stream().map(Cidr::parse).toList())
                .orElse(ForbiddenAddresses.DEFAULT_CLUSTER_RANGES);
        FeedHostPolicy policy = new FeedHostPolicy(allowed, Set.copyOf(feeds.plainHttpHosts().orElse(List.of())),
                new ForbiddenAddresses(FeedHostPolicy.forbiddenBlocks(ranges), List.of()));
        return new FeedAccess(policy, origins, trust(feeds.caFile().map(Path::of)), feeds.maxShrink(),
                feeds.concurrency());
    }

    /** A fetcher under this policy, resolving names with the system resolver. */
    public FeedFetcher fetcher() {
        return new FeedFetcher(policy, host -> List.of(InetAddress.getAllByName(host)), tls,
                FeedFetcher.Limits.DEFAULT, System::nanoTime);
    }

    /** The JDK's trusted CAs, plus the PEM certificates of {@code caFile} when given. */
    static SSLContext trust(Optional<Path> caFile) {
        try {
            if (caFile.isEmpty()) {
                return SSLContext.getDefault();
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jdk.init((KeyStore) null);
            int n = 0;
            for (var manager : jdk.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    for (X509Certificate ca : x509.getAcceptedIssuers()) {
                        store.setCertificateEntry("jdk-" + n++, ca);
                    }
                }
            }
            try (InputStream in = Files.newInputStream(caFile.get())) {
                int own = 0;
                for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("feeds-ca-" + own++, cert);
                }
                if (own == 0) {
                    throw new IllegalArgumentException("pinhole.feeds.ca-file " + caFile.get()
                            + " holds no PEM certificate");
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("pinhole.feeds.ca-file " + caFile.orElse(null), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("pinhole.feeds.ca-file " + caFile.orElse(null) + ": " + e.getMessage(),
                    e);
        }
    }
}
