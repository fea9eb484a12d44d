package dev.pinhole.dns.synthetic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.dns.message.DnsName;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.time.FakeTicker;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Which reserved addresses a flow may use without this replica's answer ({@link SyntheticAddressPool#settledName}):
 * those of the names the config in force lists exactly, except the addresses a reload on this replica gave to
 * another name or took from one, until the idle timeout has passed since that reload.
 */
class ReservedAddressSettlingTest {
    private static final Duration IDLE = Duration.ofMinutes(10);
    private final FakeTicker ticker = new FakeTicker();
    /** A /24 (254 addresses), so that a name added to the list can take another listed name's address. */
    private final SyntheticAddressPool pool = new SyntheticAddressPool(Cidr.parse("100.80.0.0/24"), Optional.empty(),
            200, IDLE, ticker, "a secret key shared by every replica".getBytes());
    private final DnsName x = DnsName.of("x.example.com");
    private final DnsName other = DnsName.of("other.example.com");

    /** A name that sorts before x and hashes onto x's address: listed, it takes that address and moves x. */
    private DnsName displacing(DnsName target) {
        for (int i = 0; ; i++) {
            DnsName n = DnsName.of("a" + i + ".example.com");
            if (pool.addressOf(n, ReservedAddresses.NONE).equals(pool.addressOf(target, ReservedAddresses.NONE))) {
                return n;
            }
        }
    }

    @Test
    void theListAReplicaStartsWithIsSettledAtOnce() {
        pool.reserve(pool.reservationsFor(List.of(x, other)));

        assertThat(pool.settledName(pool.addressOf(x))).contains(x);
        assertThat(pool.settledName(pool.addressOf(other))).contains(other);
    }

    @Test
    void anAddressNoListedNameHoldsHasNoSettledName() {
        pool.reserve(pool.reservationsFor(List.of(x)));
        DnsName wildcard = DnsName.of("y.apps.example.com");

        assertThat(pool.settledName(pool.addressOf(wildcard))).isEmpty();
    }

    @Test
    void aReloadThatMovesAListedNameUnsettlesItsOldAndNewAddressUntilTheIdleTimeout() {
        pool.reserve(pool.reservationsFor(List.of(x, other)));
        Inet4Address before = pool.addressOf(x);
        DnsName w = displacing(x);

        pool.reserve(pool.reservationsFor(List.of(w, x, other)));
        Inet4Address after = pool.addressOf(x);

        assertThat(after).isNotEqualTo(before);
        assertThat(pool.addressOf(w)).isEqualTo(before);
        assertThat(pool.settledName(before)).as("x's old address, now w's").isEmpty();
        assertThat(pool.settledName(after)).as("x's new address").isEmpty();
        assertThat(pool.settledName(pool.addressOf(other))).as("a name the reload did not move").contains(other);
        ticker.advance(IDLE.minusSeconds(1));
        assertThat(pool.settledName(before)).isEmpty();
        ticker.advance(Duration.ofSeconds(1));
        assertThat(pool.settledName(before)).contains(w);
        assertThat(pool.settledName(after)).contains(x);
    }

    @Test
    void aRemovedListedNamesAddressAndAnAddedOnesAreUnsettled() {
        pool.reserve(pool.reservationsFor(List.of(x)));
        Inet4Address xAddress = pool.addressOf(x);

        pool.reserve(pool.reservationsFor(List.of(other)));

        assertThat(pool.settledName(pool.addressOf(other))).as("a wildcard name may have held it before").isEmpty();
        pool.reserve(pool.reservationsFor(List.of(x, other))); // x back within the window: still unsettled
        assertThat(pool.settledName(xAddress)).isEmpty();
    }

    @Test
    void aReloadThatChangesNothingKeepsEveryAddressSettled() {
        pool.reserve(pool.reservationsFor(List.of(x, other)));
        pool.reserve(pool.reservationsFor(List.of(other, x)));

        assertThat(pool.settledName(pool.addressOf(x))).contains(x);
    }

    @Test
    void theDigestIsTheSameForTheSameListInAnyOrderAndChangesWhenAListedNameMoves() {
        String before = pool.reservationsFor(List.of(x, other)).digest();

        assertThat(pool.reservationsFor(List.of(other, x)).digest()).isEqualTo(before).hasSize(12);
        assertThat(pool.reservationsFor(List.of(displacing(x), x, other)).digest()).isNotEqualTo(before);
    }
}
