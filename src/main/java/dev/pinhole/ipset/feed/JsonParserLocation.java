package dev.pinhole.ipset.feed;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

/** Where in the body a JSON syntax error sits, as "line L, column C" (or "body" when unknown). */
record JsonParserLocation(String text) {
    static JsonParserLocation of(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        if (location == null || location.getLineNr() < 0) {
            return new JsonParserLocation("body");
        }
        return new JsonParserLocation("line " + location.getLineNr() + ", column " + location.getColumnNr());
    }
}
