package dev.pinhole.wireguard;

/**
 * A peer's three sessions (WireGuard paper section 6.3, wireguard-go {@code keypair.go}): {@code current} carries
 * data; {@code previous} still decrypts what was in flight at a rekey; a responder's {@code next} waits until the
 * initiator's first transport message proves the initiator has it. A displaced keypair is wiped and its index
 * forgotten at once. Guarded by the owning peer's lock.
 */
final class KeypairSlots {
    private final IndexTable indices;
    private Keypair previous;
    private Keypair current;
    private Keypair next;

    KeypairSlots(IndexTable indices) {
        this.indices = indices;
    }

    Keypair current() {
        return current;
    }

    /** A responder's keypair waiting for the initiator's first message, or null. */
    Keypair next() {
        return next;
    }

    /** Initiator: the new keypair is usable at once; a pending "next" becomes "previous". */
    void installAsInitiator(Keypair kp) {
        Keypair oldPrevious = previous;
        if (next != null) {
            previous = next;
            next = null;
            delete(current);
        } else {
            previous = current;
        }
        delete(oldPrevious);
        current = kp;
    }

    /** Responder: the new keypair waits in "next" until the initiator confirms it. */
    void installAsResponder(Keypair kp) {
        delete(next);
        next = kp;
        delete(previous);
        previous = null;
    }

    /** When {@code kp} is the pending "next", makes it current and returns true (the handshake is confirmed). */
    boolean confirm(Keypair kp) {
        if (next != kp || kp == null) {
            return false;
        }
        delete(previous);
        previous = current;
        current = next;
        next = null;
        return true;
    }

    /** Wipes all three. */
    void clear() {
        delete(previous);
        delete(current);
        delete(next);
        previous = null;
        current = null;
        next = null;
    }

    private void delete(Keypair kp) {
        if (kp != null) {
            indices.remove(kp.localIndex);
            kp.destroy();
        }
    }
}
