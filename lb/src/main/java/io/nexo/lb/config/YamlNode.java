package io.nexo.lb.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a tree that remembers the line of every value, read with Jackson's streaming
 * YAML parser. Jackson's own tree model drops locations, and config errors must name the line.
 */
sealed interface YamlNode {

    /** 1-based line where this value starts. */
    int line();

    /** What kind of value this is, for "expected a map, found a list" messages. */
    String kind();

    record Scalar(String text, boolean isNull, int line) implements YamlNode {
        @Override
        public String kind() {
            return isNull ? "nothing" : "'" + text + "'";
        }
    }

    record Sequence(List<YamlNode> items, int line) implements YamlNode {
        @Override
        public String kind() {
            return "a list";
        }
    }

    /** Keys in file order, each with the line of the key itself. */
    record Mapping(Map<String, YamlNode> entries, Map<String, Integer> keyLines, int line) implements YamlNode {
        @Override
        public String kind() {
            return "a map";
        }
    }

    /** Thrown for a key given twice in one map. */
    final class DuplicateKeyException extends IOException {
        final int line;

        DuplicateKeyException(String key, int line, int firstLine) {
            super("key '" + key + "' appears twice (first on line " + firstLine + ")");
            this.line = line;
        }
    }

    /** Reads the value starting at the parser's current token. */
    static YamlNode read(JsonParser p) throws IOException {
        return read(p, p.currentTokenLocation().getLineNr());
    }

    /**
     * Reads a value; a map or list under a key takes the key's line ({@code web:} rather than the
     * first line inside it), which is where a reader looks for it.
     */
    private static YamlNode read(JsonParser p, int containerLine) throws IOException {
        JsonToken t = p.currentToken();
        int line = t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY
                ? containerLine : p.currentTokenLocation().getLineNr();
        if (t == JsonToken.START_OBJECT) {
            Map<String, YamlNode> entries = new LinkedHashMap<>();
            Map<String, Integer> keyLines = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                int keyLine = p.currentTokenLocation().getLineNr();
                if (keyLines.containsKey(key)) {
                    throw new DuplicateKeyException(key, keyLine, keyLines.get(key));
                }
                p.nextToken();
                keyLines.put(key, keyLine);
                entries.put(key, read(p, keyLine));
            }
            return new Mapping(entries, keyLines, line);
        }
        if (t == JsonToken.START_ARRAY) {
            List<YamlNode> items = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                items.add(read(p, p.currentTokenLocation().getLineNr()));
            }
            return new Sequence(items, line);
        }
        if (t == JsonToken.VALUE_NULL) {
            return new Scalar("", true, line);
        }
        return new Scalar(p.getText(), false, line);
    }
}
