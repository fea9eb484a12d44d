package dev.pinhole.dns.resolver;

import static dev.pinhole.dns.resolver.DnsTestMessages.a;
import static dev.pinhole.dns.resolver.DnsTestMessages.answer;
import static dev.pinhole.dns.resolver.DnsTestMessages.decode;
import static dev.pinhole.dns.resolver.DnsTestMessages.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.message.DnsType;
import dev.pinhole.time.Ticker;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UpstreamDnsClientTest {
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private ScriptedUpstream upstream(java.util.function.BiFunction<byte[], Transport, List<byte[]>> script)
            throws Exception {
        ScriptedUpstream s = new ScriptedUpstream(script);
        closing.add(s);
        return s;
    }

    private UpstreamDnsClient client(Duration timeout, int attempts, InetSocketAddress... servers) throws Exception {
        UpstreamDnsClient c = new UpstreamDnsClient(List.of(servers), timeout, attempts, Ticker.system());
        closing.add(0, c);
        return c;
    }

    private static byte[] get(java.util.concurrent.CompletableFuture<byte[]> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    @Test
    void answerComesBackWithTheCallersIdAndUpstreamSawARandomOne() throws Exception {
        ScriptedUpstream up = upstream((q, t) -> List.of(answer(q, 0, a("example.org", 60, "192.0.2.80"))));
        UpstreamDnsClient c = client(Duration.ofSeconds(5), 2, up.address());

        DnsMessage r = decode(get(c.exchange(query(0xbeef, "example.org", DnsType.A, false))));

        assertThat(r.id()).isEqualTo(0xbeef);
        assertThat(r.answers()).containsExactly(a("example.org", 60, "192.0.2.80"));
        assertThat(up.udpQueries).hasValue(1);
    }

    @Test
    void silentServerIsSkippedForTheNextOne() throws Exception {
        ScriptedUpstream silent = upstream((q, t) -> List.of());
        ScriptedUpstream good = upstream((q, t) -> List.of(answer(q, 0, a("example.org", 60, "192.0.2.80"))));
        UpstreamDnsClient c = client(Duration.ofMillis(1500), 2, silent.address(), good.address());

        DnsMessage r = decode(get(c.exchange(query(1, "example.org", DnsType.A, false))));

        assertThat(r.answers()).hasSize(1);
    }

    @Test
    void truncatedUdpAnswerIsRetriedOverTcp() throws Exception {
        ScriptedUpstream up = upstream((q, t) -> {
            if (t == Transport.UDP) {
                byte[] tc = answer(q, 0);
                tc[2] |= 0x02;
                return List.of(tc);
            }
            return List.of(answer(q, 0, a("example.org", 60, "192.0.2.80")));
        });
        UpstreamDnsClient c = client(Duration.ofSeconds(5), 2, up.address());

        DnsMessage r = decode(get(c.exchange(query(7, "example.org", DnsType.A, false))));

        assertThat(r.isTruncated()).isFalse();
        assertThat(r.id()).isEqualTo(7);
        assertThat(r.answers()).hasSize(1);
        assertThat(up.tcpQueries).hasValue(1);
    }

    @Test
    void answersWithTheWrongIdOrQuestionAreIgnored() throws Exception {
        ScriptedUpstream up = upstream((q, t) -> {
            byte[] wrongId = answer(q, 0, a("example.org", 60, "203.0.113.66"));
            wrongId[0] ^= 0x55;
            byte[] wrongQuestion = answer(query((q[0] & 0xff) << 8 | (q[1] & 0xff), "evil.example", DnsType.A, false), 0,
                    a("evil.example", 60, "203.0.113.66"));
            wrongQuestion[0] = q[0];
            wrongQuestion[1] = q[1];
            return List.of(wrongId, wrongQuestion, answer(q, 0, a("example.org", 60, "192.0.2.80")));
        });
        UpstreamDnsClient c = client(Duration.ofSeconds(5), 1, up.address());

        DnsMessage r = decode(get(c.exchange(query(7, "example.org", DnsType.A, false))));

        assertThat(r.answers()).containsExactly(a("example.org", 60, "192.0.2.80"));
    }

    @Test
    void noAnswerAfterAllAttemptsFailsTheFuture() throws Exception {
        ScriptedUpstream silent = upstream((q, t) -> List.of());
        UpstreamDnsClient c = client(Duration.ofMillis(100), 3, silent.address());

        assertThatThrownBy(() -> get(c.exchange(query(1, "example.org", DnsType.A, false))))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
        assertThat(silent.udpQueries).hasValue(3);
    }

    @Test
    void closingFailsQueriesInFlight() throws Exception {
        ScriptedUpstream silent = upstream((q, t) -> List.of());
        UpstreamDnsClient c = new UpstreamDnsClient(List.of(silent.address()), Duration.ofSeconds(30), 1,
                Ticker.system());
        var pending = c.exchange(query(1, "example.org", DnsType.A, false));

        c.close();

        assertThatThrownBy(() -> get(pending)).isInstanceOf(ExecutionException.class);
        assertThatThrownBy(() -> get(c.exchange(query(2, "example.org", DnsType.A, false))))
                .isInstanceOf(ExecutionException.class);
    }

    @Test
    void queriesBeyondTheInFlightLimitFailAtOnce() throws Exception {
        ScriptedUpstream silent = upstream((q, t) -> List.of());
        UpstreamDnsClient c = new UpstreamDnsClient(List.of(silent.address()), Duration.ofSeconds(30), 1, 2,
                Ticker.system());
        closing.add(0, c);
        c.exchange(query(1, "a.example", DnsType.A, false));
        c.exchange(query(2, "b.example", DnsType.A, false));

        assertThatThrownBy(() -> get(c.exchange(query(3, "c.example", DnsType.A, false))))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(java.util.concurrent.RejectedExecutionException.class);
        assertThat(c.inFlight()).isEqualTo(2);
    }

    @Test
    void inFlightCountDropsWhenAnswersArrive() throws Exception {
        ScriptedUpstream up = upstream((q, t) -> List.of(answer(q, 0)));
        UpstreamDnsClient c = client(Duration.ofSeconds(5), 1, up.address());

        get(c.exchange(query(1, "a.example", DnsType.A, false)));

        assertThat(c.inFlight()).isZero();
    }

    @Test
    void emptyServerListIsAClearError() {
        assertThatThrownBy(() -> new UpstreamDnsClient(List.of(), Duration.ofSeconds(1), 1, Ticker.system()))
                .hasMessageContaining("no upstream DNS servers");
    }

}
