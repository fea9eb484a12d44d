package dev.pinhole.wireguard.crypto;

/** How {@link ChaChaPoly#open} checks a transport message's tag and decrypts it. */
public enum OpenStrategy {
    /**
     * Our Poly1305 first ({@link Poly1305Check}), then the JDK's plain ChaCha20: a forgery costs one Poly1305 pass,
     * no exception and no allocation. The choice wherever the JDK's Poly1305 is not an intrinsic (JDK 17, CPUs
     * without AVX-512 IFMA), where it is also the faster one.
     */
    CHECK_FIRST,
    /**
     * The JDK's ChaCha20-Poly1305 in one pass: its Poly1305 intrinsic (AVX-512 IFMA, JDK 21+) makes it the fastest
     * open of a genuine message, but the JDK reports a forgery by throwing, which allocates (about 3 KB) and costs
     * more than the check. A session that meets forgeries therefore switches to {@link #CHECK_FIRST}.
     */
    ONE_PASS;

    /** The name in logs and in {@code -Dpinhole.wireguard.open}: {@code check-first}, {@code one-pass}. */
    public String label() {
        return this == CHECK_FIRST ? "check-first" : "one-pass";
    }
}
