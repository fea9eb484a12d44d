package dev.pinhole.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Lines of an operator log that report an API call RBAC refused: Fabric8 logs the API server's message,
 * {@code ... is forbidden: User "NAME" cannot VERB resource ...}; or one the OwnerReferencesPermissionEnforcement
 * admission plugin refused for a permission missing on the owner or the object ({@code ... is forbidden: cannot set
 * blockOwnerDeletion if ...}, {@code ... cannot set an ownerRef on a resource you can't delete ...}). Other 403s
 * (admission, e.g. a namespace being deleted) say "forbidden" too but name no user, and are no missing permission.
 */
final class ForbiddenLogLines {
    private static final Pattern FORBIDDEN = Pattern.compile(
            "forbidden: (User \"[^\"]*\" cannot |cannot set blockOwnerDeletion |cannot set an ownerRef )");

    private ForbiddenLogLines() {
    }

    static List<String> in(Path log) {
        try {
            return of(Files.readAllLines(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether {@code line} reports a refusal for a missing permission. */
    static boolean isRefusal(String line) {
        return FORBIDDEN.matcher(line).find();
    }

    static List<String> of(List<String> lines) {
        return lines.stream().filter(l -> FORBIDDEN.matcher(l).find()).toList();
    }
}
