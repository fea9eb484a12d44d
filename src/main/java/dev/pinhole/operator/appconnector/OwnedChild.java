package dev.pinhole.operator.appconnector;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * One object an AppConnector owns: the object the operator wants ({@link #desired()}), and the rule that decides
 * whether a live copy still is that object ({@link #matches}). Each kind names in its own class which fields it
 * compares and which drift it tolerates (fields the API server defaults or allocates). The desired-state hash that
 * {@link dev.pinhole.operator.ChildWriter} compares first catches every change of what the operator wants; the rule
 * here catches another client's edit of the live object.
 */
public interface OwnedChild<R extends HasMetadata> {
    /** The object as the operator would write it now. */
    R desired();

    /** Whether {@code live} still carries what {@link #desired()} says where it matters. */
    boolean matches(R live);
}
