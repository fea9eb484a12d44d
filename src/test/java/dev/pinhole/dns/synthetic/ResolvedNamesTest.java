package dev.pinhole.dns.synthetic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.dns.message.DnsName;
import dev.pinhole.testing.Adversarial;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** A client's synthetic answers: the latest name per address, bounded, the least recently used forgotten first. */
class ResolvedNamesTest {
    static InetAddress v4(int i) throws Exception {
        return InetAddress.getByAddress(new byte[] {100, 80, (byte) (i >> 8), (byte) i});
    }

    static DnsName name(int i) {
        return DnsName.of("n" + i + ".example.com");
    }

    @Test
    void anAddressIsAnsweredOnlyForTheNameItWasTheAnswerFor() throws Exception {
        ResolvedNames r = new ResolvedNames(8);
        r.record(v4(1), name(1));

        assertThat(r.answered(v4(1), DnsName.of("N1.Example.COM."))).isTrue();
        assertThat(r.answered(v4(1), name(2))).isFalse();
        assertThat(r.answered(v4(2), name(1))).isFalse();
    }

    @Test
    void aNewerAnswerAtTheSameAddressReplacesTheOlderName() throws Exception {
        ResolvedNames r = new ResolvedNames(8);
        r.record(v4(1), name(1));
        r.record(v4(1), name(2)); // the address went to another name here, and the client asked for that one

        assertThat(r.answered(v4(1), name(1))).isFalse();
        assertThat(r.answered(v4(1), name(2))).isTrue();
    }

    @Adversarial
    @Test
    void farMoreAnswersThanTheBoundNeverHoldMoreThanTheBound() throws Exception {
        ResolvedNames r = new ResolvedNames(16);
        for (int i = 0; i < 100_000; i++) {
            r.record(v4(i % 60_000), name(i));
            assertThat(r.size()).isLessThanOrEqualTo(16);
        }
        assertThat(r.answered(v4(99_999 % 60_000), name(99_999))).isTrue();
        assertThat(r.answered(v4(99_983 % 60_000), name(99_983))).isFalse();
    }

    @Test
    void anAddressInUseIsForgottenLast() throws Exception {
        ResolvedNames r = new ResolvedNames(2);
        r.record(v4(1), name(1));
        r.record(v4(2), name(2));
        assertThat(r.answered(v4(1), name(1))).isTrue(); // a flow used it

        r.record(v4(3), name(3));

        assertThat(r.answered(v4(1), name(1))).isTrue();
        assertThat(r.answered(v4(2), name(2))).isFalse();
    }

    @Test
    void aSmallerBoundForgetsTheOldestAtOnce() throws Exception {
        ResolvedNames r = new ResolvedNames(4);
        for (int i = 0; i < 4; i++) {
            r.record(v4(i), name(i));
        }
        r.bound(1);

        assertThat(r.size()).isEqualTo(1);
        assertThat(r.answered(v4(3), name(3))).isTrue();
    }

    @Test
    void nothingRecordsNothing() throws Exception {
        ResolvedNames.NOTHING.record(v4(1), name(1));
        ResolvedNames.NOTHING.bound(10);
        ResolvedNames.NOTHING.record(v4(1), name(1));

        assertThat(ResolvedNames.NOTHING.size()).isZero();
        assertThat(ResolvedNames.NOTHING.answered(v4(1), name(1))).isFalse();
    }
}
