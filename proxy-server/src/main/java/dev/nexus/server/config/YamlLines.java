package dev.nexus.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The line of every key and list item of a YAML document, by field path ({@code listen.port},
 * {@code identity.methods[1]}), so a configuration error can say where in the file it is. The tree
 * Jackson binds keeps no locations; this is a second, token-level pass over the same text.
 */
final class YamlLines {

    private static final YamlLines NONE = new YamlLines(Map.of());

    private final Map<String, Integer> lines;

    private YamlLines(Map<String, Integer> lines) {
        this.lines = lines;
    }

    static YamlLines none() {
        return NONE;
    }

    /** Reads the locations of {@code yamlText}; text that does not parse has none (its error says where). */
    static YamlLines of(YAMLFactory factory, String yamlText) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = factory.createParser(yamlText)) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                JsonStreamContext context = parser.getParsingContext();
                int line = parser.currentTokenLocation().getLineNr();
                if (token == JsonToken.FIELD_NAME || (context.inArray() && token.isScalarValue())) {
                    lines.putIfAbsent(pathOf(context), line);
                } else if (token.isStructStart() && context.getParent() != null && context.getParent().inArray()) {
                    lines.putIfAbsent(pathOf(context.getParent()), line);
                }
            }
        } catch (IOException e) {
            return NONE;
        }
        return new YamlLines(Map.copyOf(lines));
    }

    /** The line of {@code fieldPath}, else of the nearest enclosing key that is in the file. */
    OptionalInt lineOf(String fieldPath) {
        String path = fieldPath;
        while (!path.isEmpty()) {
            Integer line = lines.get(path);
            if (line != null) {
                return OptionalInt.of(line);
            }
            path = parentOf(path);
        }
        return OptionalInt.empty();
    }

    private static String parentOf(String path) {
        int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
        return cut < 0 ? "" : path.substring(0, cut);
    }

    /** The same spelling as {@link ConfigSection#pathOf}: keys joined by dots, list items as {@code [i]}. */
    private static String pathOf(JsonStreamContext context) {
        if (context == null || context.inRoot()) {
            return "";
        }
        String parent = pathOf(context.getParent());
        if (context.inArray()) {
            return parent + "[" + context.getCurrentIndex() + "]";
        }
        String name = context.getCurrentName() == null ? "" : context.getCurrentName();
        return parent.isEmpty() ? name : parent + "." + name;
    }
}
