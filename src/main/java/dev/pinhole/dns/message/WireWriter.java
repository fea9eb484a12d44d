package dev.pinhole.dns.message;

import java.util.Arrays;
import java.util.Map;

/** A growable big-endian byte writer with name compression; one per message being encoded. */
final class WireWriter {
    private static final int MAX_POINTER_TARGET = 0x3fff;

    private byte[] buf;
    private int size;

    WireWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    int size() {
        return size;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    void u8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
    }

    void u16(int v) {
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    void u32(long v) {
        u16((int) (v >>> 16) & 0xffff);
        u16((int) v & 0xffff);
    }

    void setU16(int at, int v) {
        buf[at] = (byte) (v >>> 8);
        buf[at + 1] = (byte) v;
    }

    void bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
    }

    /**
     * Writes {@code name}; with a non-null {@code compression} table, reuses an earlier suffix through a
     * pointer and records the new suffixes written here (keys are case-insensitive, as DNS compares names).
     */
    void name(DnsName name, Map<String, Integer> compression) {
        int count = name.labelCount();
        for (int i = 0; i < count; i++) {
            if (compression != null) {
                String key = name.suffix(count - i).key();
                Integer earlier = compression.get(key);
                if (earlier != null) {
                    u16(0xc000 | earlier);
                    return;
                }
                if (size <= MAX_POINTER_TARGET) {
                    compression.put(key, size);
                }
            }
            String label = name.label(i);
            u8(label.length());
            ensure(label.length());
            for (int j = 0; j < label.length(); j++) {
                buf[size++] = (byte) label.charAt(j);
            }
        }
        u8(0);
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
