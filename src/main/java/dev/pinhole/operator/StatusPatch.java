package dev.pinhole.operator;

import io.fabric8.kubernetes.client.CustomResource;
import java.util.function.Supplier;

/** Status-only copies of custom resources: patching one can never touch the spec or the metadata. */
public final class StatusPatch {
    private StatusPatch() {
    }

    /** A fresh resource from {@code empty} carrying only the name and namespace of {@code resource} and {@code status}. */
    public static <S, R extends CustomResource<?, S>> R of(R resource, S status, Supplier<R> empty) {
        R patch = empty.get();
        patch.getMetadata().setName(resource.getMetadata().getName());
        patch.getMetadata().setNamespace(resource.getMetadata().getNamespace());
        patch.setStatus(status);
        return patch;
    }
}
