package dev.pinhole.wireguard.udp;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Chooses a driver's {@link DatagramPort} once, at start: the batched port where the JDK (22+, the foreign function
 * API), the OS (Linux, 64-bit) and the build (the class compiled from {@code src/main/java22}) allow it and it opens,
 * else the {@link ChannelDatagramPort}. The batched class is only ever loaded by name after the version check, so
 * the jar runs on JDK 17 with it inside.
 */
final class DatagramPortOpener {
    private static final Logger LOG = Logger.getLogger(DatagramPortOpener.class.getName());
    /** System property that overrides the choice: {@code auto} (default), {@code datagram-channel} or {@code recvmmsg-sendmmsg}. */
    static final String PROPERTY = "pinhole.udp.io";
    private static final String BATCHED_CLASS = "dev.pinhole.wireguard.udp.MmsgDatagramPort";

    /**
     * The port a driver runs on, why it is not the batched one (when it is not), and whether the batched one was
     * tried here and failed (not merely impossible: a JDK before 22, another OS, a build without it, or requested).
     */
    record Opened(DatagramPort port, Optional<String> fallbackReason, boolean batchedFailed) {}

    private DatagramPortOpener() {
    }

    /**
     * Opens the port {@code requested} names ({@code null}: the system property, else automatic). An explicitly
     * requested batched port that cannot open is an {@link IOException}; automatic falls back to the channel.
     */
    static Opened open(InetSocketAddress bind, int slotBytes, UdpIo requested) throws IOException {
        UdpIo wanted = requested != null ? requested : fromProperty();
        if (wanted == UdpIo.DATAGRAM_CHANNEL) {
            return new Opened(ChannelDatagramPort.open(bind), Optional.of("requested (" + PROPERTY + ")"), false);
        }
        try {
            return new Opened(openBatched(bind, slotBytes), Optional.empty(), false);
        } catch (IOException | RuntimeException | LinkageError e) {
            if (wanted == UdpIo.RECVMMSG_SENDMMSG) {
                throw e instanceof IOException io ? io : new IOException("batched UDP I/O unavailable: " + e, e);
            }
            String reason = e.getMessage() != null ? e.getMessage() : e.toString();
            boolean failed = batchedUnavailable().isEmpty();
            LOG.log(failed ? Level.WARNING : Level.INFO, () -> "UDP I/O: one system call per datagram (" + reason + ")");
            return new Opened(ChannelDatagramPort.open(bind), Optional.of(reason), failed);
        }
    }

    private static UdpIo fromProperty() {
        String v = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        for (UdpIo io : UdpIo.values()) {
            if (io.label().equals(v)) {
                return io;
            }
        }
        return null;
    }

    /** Why the batched port cannot run in this JVM, or empty when it may. */
    static Optional<String> batchedUnavailable() {
        int feature = Runtime.version().feature();
        if (feature < 22) {
            return Optional.of("JDK " + feature + " has no final foreign function API (22+)");
        }
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("Linux")) {
            return Optional.of("recvmmsg/sendmmsg are Linux calls, not " + os);
        }
        if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
            return Optional.of("struct layouts known for amd64 and aarch64 only, not " + arch);
        }
        if (DatagramPortOpener.class.getClassLoader().getResource(BATCHED_CLASS.replace('.', '/') + ".class") == null) {
            return Optional.of("this build has no batched UDP port (compiled on a JDK before 22)");
        }
        return Optional.empty();
    }

    private static DatagramPort openBatched(InetSocketAddress bind, int slotBytes) throws IOException {
        Optional<String> why = batchedUnavailable();
        if (why.isPresent()) {
            throw new IOException(why.get());
        }
        try {
            Class<?> c = Class.forName(BATCHED_CLASS);
            return (DatagramPort) c.getDeclaredMethod("open", InetSocketAddress.class, int.class)
                    .invoke(null, bind, slotBytes);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException("batched UDP port failed to open: " + cause, cause);
        } catch (ReflectiveOperationException e) {
            throw new IOException("batched UDP port failed to open: " + e, e);
        }
    }
}
