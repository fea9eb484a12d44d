package dev.pinhole.netstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.netstack.packet.TcpOptions;
import dev.pinhole.time.FakeTicker;
import java.net.InetAddress;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class InitialSequenceNumbersTest {
    private final FakeTicker ticker = new FakeTicker();

    private static SynRequest syn(int clientPort) throws Exception {
        return new SynRequest(InetAddress.getByName("10.0.0.2"), clientPort, InetAddress.getByName("100.80.0.5"),
                443, 1, 65535, TcpOptions.NONE);
    }

    @Test
    void sameFlowAdvancesWithTheFourMicrosecondClock() throws Exception {
        var isn = new InitialSequenceNumbers(ticker, new SecureRandom());
        int first = isn.next(syn(40000));
        ticker.advanceMillis(1);
        assertThat(isn.next(syn(40000)) - first).isEqualTo(250);
    }

    @Test
    void differentFlowsAndDifferentKeysGetUnrelatedNumbers() throws Exception {
        var a = new InitialSequenceNumbers(ticker, new SecureRandom());
        var b = new InitialSequenceNumbers(ticker, new SecureRandom());
        assertThat(a.next(syn(40000))).isNotEqualTo(a.next(syn(40001)));
        assertThat(a.next(syn(40000))).isNotEqualTo(b.next(syn(40000)));
    }
}
