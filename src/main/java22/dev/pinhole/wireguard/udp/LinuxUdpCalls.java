package dev.pinhole.wireguard.udp;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The Linux C library calls of the batched UDP port, bound once through {@link Linker} (JDK 22+), with the constants
 * and {@code struct} offsets they need (x86-64 and aarch64: LP64, little-endian). Every call captures {@code errno}
 * into a segment its caller owns, so two threads never share one.
 */
final class LinuxUdpCalls {
    static final int SOCK_DGRAM = 2;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SOL_UDP = GroControl.SOL_UDP;
    static final int UDP_GRO = GroControl.UDP_GRO;
    static final int IPPROTO_IPV6 = 41;
    static final int IPV6_V6ONLY = 26;
    static final int MSG_TRUNC = 0x20;
    static final int MSG_DONTWAIT = 0x40;
    static final short POLLIN = 1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EAFNOSUPPORT = 97;
    static final int EIO = 5;
    static final int EINVAL = 22;

    /** {@code struct msghdr} (56 bytes) inside {@code struct mmsghdr} (64 bytes). */
    static final long MSG_NAME = 0;
    static final long MSG_NAMELEN = 8;
    static final long MSG_IOV = 16;
    static final long MSG_IOVLEN = 24;
    static final long MSG_CONTROL = 32;
    static final long MSG_CONTROLLEN = 40;
    static final long MSG_FLAGS = 48;
    static final long MMSG_LEN = 56;
    static final long MMSGHDR_SIZE = 64;
    /** {@code struct iovec}. */
    static final long IOV_BASE = 0;
    static final long IOV_LEN = 8;
    static final long IOVEC_SIZE = 16;

    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle SETSOCKOPT = bind("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle GETSOCKNAME = bind("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle RECVMMSG = bind("recvmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle SENDMMSG = bind("sendmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle MMAP = bind("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    static final MethodHandle MUNMAP = bind("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final int PROT_READ_WRITE = 3;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x22;

    private LinuxUdpCalls() {
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        Linker linker = Linker.nativeLinker();
        MemorySegment symbol = linker.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("no " + name + " in the C library"));
        return linker.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"));
    }

    /**
     * {@code bytes} of private anonymous memory, mapped on their own: unlike an arena's allocation (which zeroes, so
     * touches, every page) a page becomes resident only when first written. Released by {@link #unmap} only.
     */
    static MemorySegment map(long bytes) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment capture = scratch.allocate(CAPTURE);
            MemorySegment at = (MemorySegment) MMAP.invokeExact(capture, MemorySegment.NULL, bytes, PROT_READ_WRITE,
                    MAP_PRIVATE_ANONYMOUS, -1, 0L);
            if (at.address() == -1L || at.address() == 0L) {
                throw new OutOfMemoryError("mmap of " + bytes + " bytes failed, errno " + errno(capture));
            }
            return at.reinterpret(bytes);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Releases a mapping made by {@link #map}; nothing may touch it afterwards. */
    static void unmap(MemorySegment mapped) {
        try (Arena scratch = Arena.ofConfined()) {
            int ignored = (int) MUNMAP.invokeExact(scratch.allocate(CAPTURE), mapped, mapped.byteSize());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The {@code errno} the last call with {@code capture} left there. */
    static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }
}
