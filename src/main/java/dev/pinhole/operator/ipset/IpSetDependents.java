package dev.pinhole.operator.ipset;

import dev.pinhole.api.IPSet;
import dev.pinhole.api.ObjectReference;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** Which IPSets must be recomputed when another IPSet or an AppConnector changes: the reverse include closure. */
public final class IpSetDependents {
    private IpSetDependents() {}

    /** Names of the sets in {@code all} that are seeds or include (transitively) a set matching {@code seed}. */
    public static Set<String> affected(List<IPSet> all, Predicate<IPSet> seed) {
        Map<String, Set<String>> includedBy = new HashMap<>();
        Set<String> result = new HashSet<>();
        Deque<String> work = new ArrayDeque<>();
        for (IPSet s : all) {
            String name = s.getMetadata().getName();
            if (s.getSpec() != null && s.getSpec().getInclude() != null) {
                for (ObjectReference ref : s.getSpec().getInclude()) {
                    includedBy.computeIfAbsent(ref.getName(), k -> new HashSet<>()).add(name);
                }
            }
            if (seed.test(s) && result.add(name)) {
                work.add(name);
            }
        }
        while (!work.isEmpty()) {
            for (String parent : includedBy.getOrDefault(work.poll(), Set.of())) {
                if (result.add(parent)) {
                    work.add(parent);
                }
            }
        }
        return result;
    }

    /** Like {@link #affected} but seeded by a set name that may no longer exist (a deleted include). */
    public static Set<String> includers(List<IPSet> all, String changed) {
        Set<String> result = affected(all, s -> s.getSpec() != null && s.getSpec().getInclude() != null
                && s.getSpec().getInclude().stream().anyMatch(r -> changed.equals(r.getName())));
        return result;
    }
}
