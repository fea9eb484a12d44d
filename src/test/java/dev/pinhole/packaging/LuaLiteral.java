package dev.pinhole.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * Renders a JSON value as a Lua 5.1 expression (tables for objects and arrays, 1-based arrays), the shape Argo CD
 * hands a health script as {@code obj}. Plain Lua has no JSON decoder, so tests feed objects this way.
 */
final class LuaLiteral {

    private LuaLiteral() {
    }

    /** A Lua chunk returning {@code value}. */
    static String chunk(JsonNode value) {
        StringBuilder out = new StringBuilder("return ");
        append(out, value);
        return out.append('\n').toString();
    }

    private static void append(StringBuilder out, JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            out.append("nil");
        } else if (value.isBoolean()) {
            out.append(value.booleanValue());
        } else if (value.isNumber()) {
            out.append(value.asText());
        } else if (value.isTextual()) {
            string(out, value.textValue());
        } else if (value.isArray()) {
            out.append('{');
            for (JsonNode item : value) {
                append(out, item);
                out.append(", ");
            }
            out.append('}');
        } else if (value.isObject()) {
            out.append('{');
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                out.append('[');
                string(out, field.getKey());
                out.append("] = ");
                append(out, field.getValue());
                out.append(", ");
            }
            out.append('}');
        } else {
            throw new IllegalArgumentException("no Lua form for JSON " + value.getNodeType());
        }
    }

    /** A double-quoted Lua string; every byte outside printable ASCII as a three-digit decimal escape. */
    private static void string(StringBuilder out, String text) {
        out.append('"');
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c == '"' || c == '\\') {
                out.append('\\').append((char) c);
            } else if (c >= 0x20 && c < 0x7f) {
                out.append((char) c);
            } else {
                out.append('\\').append(String.format("%03d", c));
            }
        }
        out.append('"');
    }
}
