package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.synthetic.ReservedAddresses;
import dev.pinhole.dns.synthetic.ResolvedNames;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.dns.synthetic.SyntheticMapping;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.time.FakeTicker;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A flow to the reserved address of a name the config lists exactly needs no answer from this replica (the client
 * may have resolved it on another one before a failover): forwarded, or resolved for the client when this replica
 * has not mapped the name. Except where a reload on this replica moved a listed name, or the client was answered
 * another name at that address here: those keep the per-client rule of every other synthetic address.
 */
class ListedNamePolicyTest {
    static final Cidr RANGE = Cidr.parse("100.80.0.0/24");
    final FakeTicker ticker = new FakeTicker();
    final SyntheticAddressPool pool = new SyntheticAddressPool(RANGE, Optional.empty(), 200, Duration.ofMinutes(10),
            ticker, "a secret key shared by every replica".getBytes());
    final Policy policy = new Policy(RANGE, List.of(), Policy.DEFAULT_CLUSTER_RANGES, pool);
    /** The failed-over client: it was answered nothing on this replica. */
    final ResolvedNames answered = new ResolvedNames(100);
    final DnsName git = DnsName.of("git.example.com");
    final Inet4Address real = v4("203.0.113.7");

    static Inet4Address v4(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    SyntheticMapping mappedByAnotherClient(DnsName name) throws Exception {
        return pool.mapIpv4(name, List.of(real));
    }

    @Test
    void aListedNameMappedHereIsForwardedWithoutThisReplicasAnswerAndTheAnswerIsRecorded() throws Exception {
        pool.reserve(pool.reservationsFor(List.of(git)));
        var m = mappedByAnotherClient(git);

        assertThat(policy.decide(IpAddress.of(m.ipv4()), answered)).isEqualTo(new Policy.Decision.Forward(
                List.of(real)));
        assertThat(answered.answered(m.ipv4(), git)).isTrue();
    }

    @Test
    void aListedNameNotMappedHereIsResolvedForTheClient() {
        pool.reserve(pool.reservationsFor(List.of(git)));

        assertThat(policy.decide(IpAddress.of(pool.addressOf(git)), answered))
                .isEqualTo(new Policy.Decision.Resolve(git));
    }

    @Test
    void aWildcardNameStillNeedsThisReplicasAnswer() throws Exception {
        pool.reserve(pool.reservationsFor(List.of(git)));
        var m = mappedByAnotherClient(DnsName.of("wiki.apps.example.com"));

        assertThat(policy.decide(IpAddress.of(m.ipv4()), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_RESOLVED));
    }

    @Adversarial
    @Test
    void aClientAnsweredAnotherNameAtAListedAddressIsRefusedNotRebound() throws Exception {
        pool.reserve(pool.reservationsFor(List.of(git)));
        var m = mappedByAnotherClient(git);
        answered.record(m.ipv4(), DnsName.of("old.apps.example.com")); // its app may still mean that name

        assertThat(policy.decide(IpAddress.of(m.ipv4()), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_RESOLVED));
    }

    @Adversarial
    @Test
    void anAddressAReloadGaveToAnotherListedNameKeepsRequiringTheAnswerUntilTheIdleTimeout() throws Exception {
        pool.reserve(pool.reservationsFor(List.of(git)));
        Inet4Address gitBefore = pool.addressOf(git);
        DnsName added = displacing(git); // sorts before git and hashes onto its address
        pool.reserve(pool.reservationsFor(List.of(added, git)));
        var addedMapping = mappedByAnotherClient(added);
        var gitMapping = mappedByAnotherClient(git);

        assertThat(addedMapping.ipv4()).isEqualTo(gitBefore);
        assertThat(policy.decide(IpAddress.of(gitBefore), answered)).as("git's old address, now the added name's")
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_RESOLVED));
        assertThat(policy.decide(IpAddress.of(gitMapping.ipv4()), answered)).as("git's new address")
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_RESOLVED));
        ticker.advance(Duration.ofMinutes(10));
        pool.touch(addedMapping.ipv4());
        assertThat(policy.decide(IpAddress.of(gitBefore), answered))
                .isEqualTo(new Policy.Decision.Forward(List.of(real)));
    }

    @Adversarial
    @Test
    void anUnmappedAddressAReloadMovedIsNotResolvedForTheClient() {
        pool.reserve(pool.reservationsFor(List.of(git)));
        DnsName added = displacing(git);
        pool.reserve(pool.reservationsFor(List.of(added, git)));

        assertThat(policy.decide(IpAddress.of(pool.addressOf(added)), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_MAPPED));
    }

    /**
     * The residual case (docs/dns.md): a replica that started with the new list never saw the move, so it cannot
     * tell a client holding git's old address (resolved on a replica still on the old list) from one that
     * resolved the added name. It forwards to the added name's app.
     */
    @Test
    void aReplicaStartedWithTheNewListCannotTellAnAddressMovedBeforeItStarted() throws Exception {
        Inet4Address gitOnTheOldList = pool.addressOf(git, pool.reservationsFor(List.of(git)));
        DnsName added = displacing(git);
        pool.reserve(pool.reservationsFor(List.of(added, git)));
        mappedByAnotherClient(added);

        assertThat(policy.decide(IpAddress.of(gitOnTheOldList), answered))
                .isEqualTo(new Policy.Decision.Forward(List.of(real)));
    }

    private DnsName displacing(DnsName target) {
        for (int i = 0; ; i++) {
            DnsName n = DnsName.of("a" + i + ".example.com");
            if (pool.addressOf(n, ReservedAddresses.NONE).equals(pool.addressOf(target, ReservedAddresses.NONE))) {
                return n;
            }
        }
    }
}
