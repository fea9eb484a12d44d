package dev.pinhole.operator.ipset;

import dev.pinhole.api.IPSet;

/** One incarnation of an IPSet: a set deleted and created again under the same name starts its feeds afresh. */
public record SetKey(String namespace, String name, String uid) {
    public static SetKey of(IPSet set) {
        return new SetKey(set.getMetadata().getNamespace(), set.getMetadata().getName(), set.getMetadata().getUid());
    }
}
