import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.Arrays;

/** Run inside the test namespace (java single-file launch): sends three datagrams and expects each echoed back. */
public class UdpEchoClient {
    public static void main(String[] args) throws Exception {
        InetSocketAddress to = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(5000);
            for (int i = 0; i < 3; i++) {
                byte[] m = ("ping-" + i).repeat(50).getBytes();
                s.send(new DatagramPacket(m, m.length, to));
                DatagramPacket r = new DatagramPacket(new byte[2000], 2000);
                s.receive(r);
                if (!Arrays.equals(m, Arrays.copyOf(r.getData(), r.getLength()))) {
                    throw new IllegalStateException("echo mismatch on datagram " + i);
                }
            }
        }
        System.out.println("udp-ok");
    }
}
