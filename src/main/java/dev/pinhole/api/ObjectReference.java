package dev.pinhole.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** A reference by name to another object of a known kind in the same namespace. */
public class ObjectReference {
    @Required
    @Size(max = 253)
    @ValidationRule(value = "self.matches('" + Patterns.OBJECT_NAME + "')",
            messageExpression = "'not an object name (lower-case letters, digits, \\'-\\' and \\'.\\'): ' + self")
    @JsonPropertyDescription("Name of the referenced object, in the same namespace.")
    private String name;

    public ObjectReference() {}

    public ObjectReference(String name) {
        this.name = name;
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }

    @Override
    public boolean equals(Object o) {
        return o instanceof ObjectReference r && Objects.equals(name, r.name);
    }

    @Override
    public int hashCode() { return Objects.hashCode(name); }

    @Override
    public String toString() { return name; }
}
