package dev.pinhole.netstack.tcp;

/**
 * Which byte ranges beyond RCV.NXT have arrived out of order (their bytes sit in the {@link ReceiveBuffer} at
 * their final place). Ranges are offsets from RCV.NXT, kept sorted, disjoint and non-adjacent; their number is
 * bounded so that a peer cannot make us track unbounded holes.
 */
final class ReassemblyQueue {
    private final int[] starts;
    private final int[] ends;
    private int count;

    ReassemblyQueue(int maxRanges) {
        starts = new int[maxRanges];
        ends = new int[maxRanges];
    }

    boolean isEmpty() {
        return count == 0;
    }

    int rangeCount() {
        return count;
    }

    /** Highest offset covered, or 0 when empty. */
    int end() {
        return count == 0 ? 0 : ends[count - 1];
    }

    /**
     * Records [start, end) with {@code start > 0}. Returns false (recording nothing) when it would need a new
     * range and the bound is reached.
     */
    boolean add(int start, int end) {
        int i = 0;
        while (i < count && ends[i] < start) {
            i++;
        }
        int j = i;
        while (j < count && starts[j] <= end) {
            j++;
        }
        // Ranges i..j-1 touch or overlap [start, end): merge them into one.
        if (i == j) {
            if (count == starts.length) {
                return false;
            }
            System.arraycopy(starts, i, starts, i + 1, count - i);
            System.arraycopy(ends, i, ends, i + 1, count - i);
            starts[i] = start;
            ends[i] = end;
            count++;
            return true;
        }
        int mergedStart = Math.min(start, starts[i]);
        int mergedEnd = Math.max(end, ends[j - 1]);
        int removed = j - i - 1;
        starts[i] = mergedStart;
        ends[i] = mergedEnd;
        System.arraycopy(starts, j, starts, i + 1, count - j);
        System.arraycopy(ends, j, ends, i + 1, count - j);
        count -= removed;
        return true;
    }

    /**
     * RCV.NXT moved forward by {@code n} in-order bytes; returns how many more bytes, already held, now follow
     * contiguously (the caller advances RCV.NXT by those too).
     */
    int advance(int n) {
        int extra = 0;
        int shift = n;
        int k = 0;
        while (k < count && starts[k] - shift <= 0) {
            int end = ends[k] - shift;
            if (end > 0) {
                extra += end;
                shift += end;
            }
            k++;
        }
        System.arraycopy(starts, k, starts, 0, count - k);
        System.arraycopy(ends, k, ends, 0, count - k);
        count -= k;
        for (int i = 0; i < count; i++) {
            starts[i] -= shift;
            ends[i] -= shift;
        }
        return extra;
    }
}
