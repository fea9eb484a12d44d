package dev.pinhole.wireguard.udp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Socket addresses as the batched port's system calls read and write them, and the source cache over them. */
class SockaddrTest {
    private static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Test
    void anIpv4PeerOfADualStackSocketRoundTripsAsIpv4() throws Exception {
        byte[] name = new byte[Sockaddr.IN6_LEN];
        assertThat(Sockaddr.encode(at("198.18.0.7", 51820), Sockaddr.AF_INET6, name)).isEqualTo(28);
        assertThat(name[0]).isEqualTo((byte) Sockaddr.AF_INET6);
        assertThat(name[2] & 0xff).isEqualTo(51820 >>> 8);
        assertThat(name[3] & 0xff).isEqualTo(51820 & 0xff);
        assertThat(name[18]).isEqualTo((byte) 0xff);
        InetSocketAddress back = Sockaddr.decode(name, 28);
        assertThat(back.getAddress()).isInstanceOf(Inet4Address.class);
        assertThat(back).isEqualTo(at("198.18.0.7", 51820));
    }

    @Test
    void ipv6AndItsScopeRoundTrip() throws Exception {
        InetSocketAddress scoped = new InetSocketAddress(
                Inet6Address.getByAddress(null, InetAddress.getByName("fe80::1").getAddress(), 3), 443);
        byte[] name = new byte[Sockaddr.IN6_LEN];
        Sockaddr.encode(scoped, Sockaddr.AF_INET6, name);
        InetSocketAddress back = Sockaddr.decode(name, 28);
        assertThat(back).isEqualTo(scoped);
        assertThat(((Inet6Address) back.getAddress()).getScopeId()).isEqualTo(3);
        Sockaddr.encode(at("2001:db8::5", 9), Sockaddr.AF_INET6, name);
        assertThat(Sockaddr.decode(name, 28)).isEqualTo(at("2001:db8::5", 9));
    }

    @Test
    void anIpv4SocketCannotAddressAnIpv6PeerOrAnUnresolvedName() throws Exception {
        byte[] name = new byte[Sockaddr.IN6_LEN];
        assertThat(Sockaddr.encode(at("2001:db8::5", 9), Sockaddr.AF_INET, name)).isEqualTo(-1);
        assertThat(Sockaddr.encode(InetSocketAddress.createUnresolved("example.com", 9), Sockaddr.AF_INET6, name))
                .isEqualTo(-1);
        assertThat(Sockaddr.encode(at("203.0.113.9", 9), Sockaddr.AF_INET, name)).isEqualTo(16);
        assertThat(Sockaddr.decode(name, 16)).isEqualTo(at("203.0.113.9", 9));
    }

    @Test
    void anUnknownFamilyOrAShortNameIsNoAddress() {
        byte[] name = new byte[Sockaddr.IN6_LEN];
        name[0] = 1; // AF_UNIX
        assertThat(Sockaddr.decode(name, 28)).isNull();
        name[0] = Sockaddr.AF_INET6;
        assertThat(Sockaddr.decode(name, 16)).isNull();
        assertThat(new SourceAddressCache().lookup(name, 3)).isNull();
    }

    @Test
    void aRepeatedSourceIsDecodedOnceWhateverItsFlowLabel() throws Exception {
        SourceAddressCache cache = new SourceAddressCache();
        byte[] name = new byte[Sockaddr.IN6_LEN];
        Sockaddr.encode(at("2001:db8::7", 4000), Sockaddr.AF_INET6, name);
        InetSocketAddress first = cache.lookup(name, 28);
        name[5] = 0x12; // another flow label, same sender
        InetSocketAddress again = cache.lookup(name, 28);
        assertThat(again).isSameAs(first);
        assertThat(cache.misses()).isEqualTo(1);

        Sockaddr.encode(at("2001:db8::7", 4001), Sockaddr.AF_INET6, name);
        assertThat(cache.lookup(name, 28)).isEqualTo(at("2001:db8::7", 4001)).isNotSameAs(first);
        assertThat(cache.misses()).isEqualTo(2);
    }

    @Test
    void manySourcesEvictEachOtherButEveryAnswerIsTheRightAddress() throws Exception {
        SourceAddressCache cache = new SourceAddressCache();
        byte[] name = new byte[Sockaddr.IN6_LEN];
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 2000; i++) {
                InetSocketAddress src = at("198.18." + (i >>> 8) + "." + (i & 0xff), 1000 + i);
                Sockaddr.encode(src, Sockaddr.AF_INET6, name);
                assertThat(cache.lookup(name, 28)).isEqualTo(src);
            }
        }
    }
}
