package dev.pinhole.ipset;

import java.util.ArrayList;
import java.util.List;

/**
 * The IPv4 addresses an IPv6 address stands for, so that an IPv4 block list judges every spelling of an address.
 * Some stack or network on the way turns these IPv6 forms back into IPv4: the JDK opens an IPv4 socket for a
 * mapped address, a NAT64, SIIT, 6to4 or Teredo relay on the node's network translates the others.
 *
 * <p>Forms and where their IPv4 sits (bit 0 is the first bit of the address):
 * <ul>
 *   <li>mapped {@code ::ffff:0:0/96}, compatible {@code ::/96} (except {@code ::} and {@code ::1}, which are
 *       IPv6's own unspecified and loopback), translated {@code ::ffff:0:0:0/96} (SIIT), NAT64 well-known
 *       {@code 64:ff9b::/96}: bits 96..127;</li>
 *   <li>6to4 {@code 2002::/16}: bits 16..47;</li>
 *   <li>Teredo {@code 2001::/32}: both the server (bits 32..63) and the client (bits 96..127, inverted), since a
 *       relay sends to either;</li>
 *   <li>NAT64 local-use {@code 64:ff9b:1::/48} (RFC 8215): the site picks the layout (RFC 6052 allows IPv4 at
 *       four positions inside it), so no single IPv4 can be named: any address in it may reach any IPv4.</li>
 * </ul>
 */
public final class EmbeddedIpv4 {
    private EmbeddedIpv4() {}

    /** One IPv6 form that carries IPv4: its prefix and the bit offset of the 32 IPv4 bits (-1: unknown). */
    public enum Form {
        MAPPED("mapped", "::ffff:0:0/96", 96, false),
        COMPATIBLE("IPv4-compatible", "::/96", 96, false),
        TRANSLATED("IPv4-translated (SIIT)", "::ffff:0:0:0/96", 96, false),
        NAT64("NAT64", "64:ff9b::/96", 96, false),
        NAT64_LOCAL_USE("NAT64 local-use", "64:ff9b:1::/48", -1, false),
        SIX_TO_FOUR("6to4", "2002::/16", 16, false),
        TEREDO_SERVER("Teredo server", "2001::/32", 32, false),
        TEREDO_CLIENT("Teredo client", "2001::/32", 96, true);

        private final String displayName;
        private final Cidr prefix;
        private final int offset;
        private final boolean inverted;

        Form(String displayName, String prefix, int offset, boolean inverted) {
            this.displayName = displayName;
            this.prefix = Cidr.parse(prefix);
            this.offset = offset;
            this.inverted = inverted;
        }

        /** The IPv6 prefix of the form. */
        public Cidr prefix() {
            return prefix;
        }

        /** Name and prefix for messages, e.g. "NAT64 64:ff9b::/96". */
        @Override
        public String toString() {
            return displayName + " " + prefix;
        }

        /** False for {@code ::} and {@code ::1} in the compatible form: those are IPv6's own addresses. */
        private boolean carriesIpv4(Cidr block) {
            return this != COMPATIBLE || !IPV6_OWN.contains(block.first()) || !IPV6_OWN.contains(block.last());
        }

        private int ipv4Bits(IpAddress v6) {
            long half = offset < 64 ? v6.hi() : v6.lo();
            int shift = 64 - (offset % 64) - 32;
            int bits = (int) (half >>> shift);
            return inverted ? ~bits : bits;
        }
    }

    /** What an IPv6 block reaches through one form: every IPv4 address inside {@code ipv4}. */
    public record Reach(Form form, Cidr ipv4) {}

    /** {@code ::/127}: the unspecified and loopback addresses, which the compatible form leaves to IPv6. */
    private static final Cidr IPV6_OWN = Cidr.parse("::/127");

    private static final Form[] FORMS = Form.values();

    /**
     * The IPv4 addresses {@code address} stands for: none for an IPv4 address, an IPv6 address of no form, or
     * NAT64 local-use (whose layout is unknown: see {@link #reachedBy}); two for Teredo.
     */
    public static List<IpAddress> in(IpAddress address) {
        if (address.family() != IpFamily.IPV6) {
            return List.of();
        }
        List<IpAddress> out = new ArrayList<>(2);
        for (Form form : FORMS) {
            if (form.offset >= 0 && form.prefix.contains(address) && form.carriesIpv4(new Cidr(address, 128))) {
                out.add(IpAddress.ofIpv4(form.ipv4Bits(address)));
            }
        }
        return out;
    }

    /**
     * Every IPv4 block some address of the IPv6 {@code block} stands for, by form. A block that holds a whole form
     * (such as {@code ::/1}) reaches all IPv4 through it; one inside a form reaches the IPv4 bits it fixes.
     */
    public static List<Reach> reachedBy(Cidr block) {
        if (block.family() != IpFamily.IPV6) {
            return List.of();
        }
        List<Reach> out = new ArrayList<>(2);
        for (Form form : FORMS) {
            if (!overlaps(block, form.prefix) || !form.carriesIpv4(block)) {
                continue;
            }
            if (form.offset < 0) {
                out.add(new Reach(form, ALL_IPV4));
                continue;
            }
            // Inside the form (else the block holds it whole and fixes none of the IPv4 bits).
            int fixed = Math.max(0, Math.min(32, block.prefixLength() - form.offset));
            out.add(new Reach(form, Cidr.containing(IpAddress.ofIpv4(form.ipv4Bits(block.first())), fixed)));
        }
        return out;
    }

    private static final Cidr ALL_IPV4 = Cidr.parse("0.0.0.0/0");

    private static boolean overlaps(Cidr a, Cidr b) {
        return a.contains(b.first()) || b.contains(a.first());
    }
}
