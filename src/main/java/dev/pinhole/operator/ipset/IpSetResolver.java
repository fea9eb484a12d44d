package dev.pinhole.operator.ipset;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.IPSet;
import dev.pinhole.api.IPSetSpec;
import dev.pinhole.api.ObjectReference;
import dev.pinhole.connector.config.ConfigCheck;
import dev.pinhole.ipset.IpEntryFormatException;
import dev.pinhole.ipset.IpSet;
import dev.pinhole.ipset.IpSetBuilder;
import dev.pinhole.operator.ConditionTypes.Reason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Resolves an IPSet from specs and its sources' lists in force: its entries and feeds, the IPSets it includes
 * (transitively), the egress IPs of the AppConnectors it selects, minus its exclusions (which apply to feeds too).
 * Cycles, unknown references, malformed entries and sources without a list fail with a message that names the
 * culprit; nothing partial is ever returned.
 */
public final class IpSetResolver {
    private final String namespace;
    private final Function<String, Optional<IPSet>> sets;
    private final List<AppConnector> connectors;
    private final Function<IPSet, IpSetResolution> sources;
    private final Map<String, IpSetResolution> memo = new HashMap<>();

    /**
     * @param sets       looks up an IPSet by name in {@code namespace}
     * @param connectors the AppConnectors of {@code namespace}
     */
    public IpSetResolver(String namespace, Function<String, Optional<IPSet>> sets, List<AppConnector> connectors) {
        this(namespace, sets, connectors, set -> new IpSetResolution.Resolved(IpSet.builder().build()));
    }

    /**
     * @param sources the prefixes of a set's spec.sources (its feeds' lists in force), or why there are none
     */
    public IpSetResolver(String namespace, Function<String, Optional<IPSet>> sets, List<AppConnector> connectors,
            Function<IPSet, IpSetResolution> sources) {
        this.namespace = namespace;
        this.sets = sets;
        this.connectors = connectors;
        this.sources = sources;
    }

    /**
     * The set's addresses, or why there are none. A set whose merged list is longer than a connector's route table
     * ({@link ConfigCheck#MAX_ROUTES}, the one number both sides use) fails {@code TooManyCidrs}: no connector could
     * route it, and its status would carry the whole list.
     */
    public IpSetResolution resolve(IPSet root) {
        IpSetResolution result = resolve(root, new ArrayList<>());
        if (result instanceof IpSetResolution.Resolved resolved) {
            int cidrs = resolved.addresses().toCidrs().size();
            if (cidrs > ConfigCheck.MAX_ROUTES) {
                return new IpSetResolution.Failed(Reason.TOO_MANY_CIDRS, "resolves to " + cidrs
                        + " CIDRs, over the " + ConfigCheck.MAX_ROUTES + " routes a connector holds (the connector's"
                        + " route table bound): split it into several sets or narrow its sources");
            }
        }
        return result;
    }

    private IpSetResolution resolve(IPSet set, List<String> path) {
        String name = set.getMetadata().getName();
        IpSetResolution known = memo.get(name);
        if (known != null) {
            return known;
        }
        path.add(name);
        IpSetResolution result = compute(set, path);
        path.remove(path.size() - 1);
        memo.put(name, result);
        return result;
    }

    private IpSetResolution compute(IPSet set, List<String> path) {
        IPSetSpec spec = set.getSpec() == null ? new IPSetSpec() : set.getSpec();
        String prefix = path.size() == 1 ? "" : "IPSet " + set.getMetadata().getName() + ": ";
        IpSetBuilder builder = IpSet.builder();
        Optional<String> bad = addEntries(builder, spec.getAddresses(), "spec.addresses");
        if (bad.isPresent()) {
            return new IpSetResolution.Failed(Reason.INVALID_ENTRY, prefix + bad.get());
        }
        IpSetResolution fed = sources.apply(set);
        if (fed instanceof IpSetResolution.Failed failed) {
            return new IpSetResolution.Failed(failed.reason(), prefix + failed.message());
        }
        builder.addAll(((IpSetResolution.Resolved) fed).addresses());
        List<ObjectReference> includes = spec.getInclude() == null ? List.of() : spec.getInclude();
        for (int i = 0; i < includes.size(); i++) {
            String target = includes.get(i).getName();
            int cycleStart = path.indexOf(target);
            if (cycleStart >= 0) {
                List<String> cycle = new ArrayList<>(path.subList(cycleStart, path.size()));
                cycle.add(target);
                return new IpSetResolution.Failed(Reason.INCLUDE_CYCLE,
                        "include cycle: " + String.join(" -> ", cycle));
            }
            Optional<IPSet> included = sets.apply(target);
            if (included.isEmpty()) {
                return new IpSetResolution.Failed(Reason.UNKNOWN_REFERENCE, prefix + "spec.include[" + i
                        + "]: IPSet \"" + target + "\" not found in namespace " + namespace);
            }
            IpSetResolution inner = resolve(included.get(), path);
            if (inner instanceof IpSetResolution.Failed failed) {
                return failed;
            }
            builder.addAll(((IpSetResolution.Resolved) inner).addresses());
        }
        if (spec.getAppConnectors() != null) {
            Optional<String> selectorProblem = LabelSelectorMatch.problem(spec.getAppConnectors(),
                    "spec.appConnectors");
            if (selectorProblem.isPresent()) {
                return new IpSetResolution.Failed(Reason.INVALID_SELECTOR, prefix + selectorProblem.get());
            }
            for (AppConnector c : connectors) {
                if (!LabelSelectorMatch.matches(spec.getAppConnectors(), c.getMetadata().getLabels())) {
                    continue;
                }
                String ip = c.getSpec() == null || c.getSpec().getEgress() == null
                        ? null : c.getSpec().getEgress().getElasticIP();
                if (ip == null) {
                    continue;
                }
                try {
                    builder.add(ip);
                } catch (IpEntryFormatException e) {
                    return new IpSetResolution.Failed(Reason.INVALID_ENTRY, prefix + "AppConnector "
                            + c.getMetadata().getName() + " spec.egress.elasticIP: " + e.getMessage());
                }
            }
        }
        IpSetBuilder excluded = IpSet.builder();
        bad = addEntries(excluded, spec.getExclude(), "spec.exclude");
        if (bad.isPresent()) {
            return new IpSetResolution.Failed(Reason.INVALID_ENTRY, prefix + bad.get());
        }
        return new IpSetResolution.Resolved(builder.build().exclude(excluded.build()));
    }

    private static Optional<String> addEntries(IpSetBuilder builder, List<String> entries, String field) {
        if (entries == null) {
            return Optional.empty();
        }
        for (int i = 0; i < entries.size(); i++) {
            try {
                builder.add(entries.get(i));
            } catch (IpEntryFormatException e) {
                return Optional.of(field + "[" + i + "]: " + e.getMessage());
            }
        }
        return Optional.empty();
    }
}
