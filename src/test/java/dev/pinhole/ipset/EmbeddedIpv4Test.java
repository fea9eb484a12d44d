package dev.pinhole.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Where each IPv6 form carries its IPv4, for one address and for a whole block. */
class EmbeddedIpv4Test {
    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    @Test
    void eachFormYieldsTheIpv4ItCarries() {
        Ipv4Spellings.of("169.254.169.254").forEach((form, v6) -> {
            if (!form.startsWith("NAT64 local-use")) {
                assertThat(EmbeddedIpv4.in(v6)).as(form).contains(ip("169.254.169.254"));
            }
        });
    }

    @Test
    void teredoYieldsBothTheServerAndTheInvertedClient() {
        assertThat(EmbeddedIpv4.in(ip("2001:0:cb00:710a::80ff:fffe")))
                .containsExactly(ip("203.0.113.10"), ip("127.0.0.1"));
    }

    @Test
    void ipv6OwnUnspecifiedAndLoopbackAreNotIpv4Compatible() {
        assertThat(EmbeddedIpv4.in(ip("::"))).isEmpty();
        assertThat(EmbeddedIpv4.in(ip("::1"))).isEmpty();
        assertThat(EmbeddedIpv4.in(ip("::2"))).containsExactly(ip("0.0.0.2"));
    }

    @Test
    void ordinaryAddressesAndIpv4CarryNothing() {
        assertThat(EmbeddedIpv4.in(ip("2001:db8::1"))).isEmpty();
        assertThat(EmbeddedIpv4.in(ip("2606:4700::1111"))).isEmpty();
        assertThat(EmbeddedIpv4.in(ip("127.0.0.1"))).isEmpty();
    }

    @Test
    void localUseNat64HasNoKnownLayoutSoABlockInsideReachesAllIpv4() {
        assertThat(EmbeddedIpv4.in(ip("64:ff9b:1::7f00:1"))).isEmpty();
        assertThat(EmbeddedIpv4.reachedBy(Cidr.parse("64:ff9b:1::7f00:1/128"))).singleElement()
                .isEqualTo(new EmbeddedIpv4.Reach(EmbeddedIpv4.Form.NAT64_LOCAL_USE, Cidr.parse("0.0.0.0/0")));
    }

    @Test
    void aBlockHoldingAWholeFormReachesAllIpv4ThroughIt() {
        assertThat(EmbeddedIpv4.reachedBy(Cidr.parse("::/1"))).extracting(EmbeddedIpv4.Reach::form)
                .containsExactlyInAnyOrder(EmbeddedIpv4.Form.values());
        assertThat(EmbeddedIpv4.reachedBy(Cidr.parse("::/1"))).extracting(EmbeddedIpv4.Reach::ipv4)
                .containsOnly(Cidr.parse("0.0.0.0/0"));
    }

    @Test
    void aBlockInsideAFormReachesTheIpv4BitsItFixes() {
        assertThat(EmbeddedIpv4.reachedBy(Cidr.parse("::ffff:a00:0/104")))
                .containsExactly(new EmbeddedIpv4.Reach(EmbeddedIpv4.Form.MAPPED, Cidr.parse("10.0.0.0/8")));
        assertThat(EmbeddedIpv4.reachedBy(Cidr.parse("2002:a9fe::/32")))
                .containsExactly(new EmbeddedIpv4.Reach(EmbeddedIpv4.Form.SIX_TO_FOUR, Cidr.parse("169.254.0.0/16")));
        assertThat(EmbeddedIpv4.reachedBy(Cidr.parse("2001:0:a9fe::/48"))).containsExactly(
                new EmbeddedIpv4.Reach(EmbeddedIpv4.Form.TEREDO_SERVER, Cidr.parse("169.254.0.0/16")),
                new EmbeddedIpv4.Reach(EmbeddedIpv4.Form.TEREDO_CLIENT, Cidr.parse("0.0.0.0/0")));
        assertThat(EmbeddedIpv4.reachedBy(Cidr.parse("2001:db8::/32"))).isEmpty();
        assertThat(EmbeddedIpv4.reachedBy(Cidr.parse("::/127"))).isEmpty();
    }

    /** Oracle: every IPv4 an address of a block carries lies in what the block reaches through that form. */
    @Test
    void everyAddressOfABlockCarriesOnlyIpv4TheBlockReaches() {
        Random random = new Random(11);
        List<EmbeddedIpv4.Form> forms = List.of(EmbeddedIpv4.Form.values());
        for (int i = 0; i < 20_000; i++) {
            EmbeddedIpv4.Form form = forms.get(random.nextInt(forms.size()));
            Cidr prefix = form.prefix();
            IpAddress inside = new IpAddress(IpFamily.IPV6, prefix.first().hi() | (random.nextLong()
                    & (prefix.prefixLength() >= 64 ? 0 : -1L >>> prefix.prefixLength())), random.nextLong());
            int length = random.nextInt(129);
            Cidr block = Cidr.containing(inside, length);
            List<EmbeddedIpv4.Reach> reached = EmbeddedIpv4.reachedBy(block);
            for (IpAddress v4 : EmbeddedIpv4.in(inside)) {
                assertThat(reached).as(block + " holds " + inside + " carrying " + v4)
                        .anyMatch(r -> r.ipv4().contains(v4));
            }
        }
    }
}
