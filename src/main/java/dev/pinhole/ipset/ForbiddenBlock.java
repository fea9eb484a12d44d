package dev.pinhole.ipset;

/** One address block the connector never reaches (unless a route names it, where its kind allows). */
public record ForbiddenBlock(Cidr cidr, BlockKind kind) {
    /** "169.254.0.0/16 (link-local)". */
    @Override
    public String toString() {
        return cidr + " (" + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ")";
    }
}
