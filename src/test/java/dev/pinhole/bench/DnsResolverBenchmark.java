package dev.pinhole.bench;

import dev.pinhole.dns.match.DomainMatcher;
import dev.pinhole.dns.message.DnsFormatException;
import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.message.DnsMessageDecoder;
import dev.pinhole.dns.message.DnsMessageEncoder;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.message.DnsQuestion;
import dev.pinhole.dns.message.DnsRecord;
import dev.pinhole.dns.message.DnsType;
import dev.pinhole.dns.message.Edns;
import dev.pinhole.dns.resolver.AppResolver;
import dev.pinhole.dns.resolver.AppResolverConfig;
import dev.pinhole.dns.resolver.DnsMetrics;
import dev.pinhole.dns.resolver.RealAddressPolicy;
import dev.pinhole.dns.resolver.ResolverStep;
import dev.pinhole.dns.resolver.Transport;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.time.Ticker;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Cost of the DNS core per query: decoding a typical answer, and the synthesize and forward paths. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DnsResolverBenchmark {
    private byte[] cnameAnswer;
    private byte[] matchedQuery;
    private byte[] otherQuery;
    private byte[] otherAnswer;
    private AppResolver resolver;

    @Setup
    public void setUp() throws Exception {
        Cidr range = Cidr.parse("100.80.0.0/12");
        SyntheticAddressPool pool = new SyntheticAddressPool(range, Optional.empty(), 10_000, Duration.ofMinutes(10),
                Ticker.system());
        resolver = new AppResolver(new AppResolverConfig(DomainMatcher.parse(List.of("github.com", "*.github.com")),
                new RealAddressPolicy(List.of(Cidr.parse("10.96.0.0/12")), List.of(range), List.of())),
                pool, DnsMetrics.NONE);
        matchedQuery = query("api.github.com");
        otherQuery = query("www.example.org");
        DnsMessage upstreamQuery = DnsMessage.query(0, new DnsQuestion(DnsName.of("api.github.com"), DnsType.A, 1),
                Optional.of(Edns.of(1232)));
        cnameAnswer = DnsMessageEncoder.encode(DnsMessage.responseTo(upstreamQuery, 0, List.of(
                new DnsRecord.Cname(DnsName.of("api.github.com"), 1, 60, DnsName.of("lb-140-82-112-5.github.com")),
                new DnsRecord.Address(DnsName.of("lb-140-82-112-5.github.com"), 1, 60,
                        InetAddress.getByName("140.82.112.5"))), 1232));
        otherAnswer = DnsMessageEncoder.encode(DnsMessage.responseTo(DnsMessageDecoder.decode(otherQuery), 0, List.of(
                new DnsRecord.Address(DnsName.of("www.example.org"), 1, 60, InetAddress.getByName("192.0.2.80"))),
                1232));
    }

    private static byte[] query(String name) throws DnsFormatException {
        return DnsMessageEncoder.encode(DnsMessage.query(0x1234, new DnsQuestion(DnsName.of(name), DnsType.A, 1),
                Optional.of(Edns.of(1232))));
    }

    @Benchmark
    public DnsMessage decodeCnameAnswer() throws DnsFormatException {
        return DnsMessageDecoder.decode(cnameAnswer);
    }

    @Benchmark
    public ResolverStep synthesizeMatchedName() {
        ResolverStep.AskUpstream ask = (ResolverStep.AskUpstream) resolver.onQuery(matchedQuery, Transport.UDP);
        return resolver.onUpstreamResponse(ask.pending(), cnameAnswer);
    }

    @Benchmark
    public ResolverStep forwardOtherName() {
        ResolverStep.AskUpstream ask = (ResolverStep.AskUpstream) resolver.onQuery(otherQuery, Transport.UDP);
        return resolver.onUpstreamResponse(ask.pending(), otherAnswer);
    }
}
