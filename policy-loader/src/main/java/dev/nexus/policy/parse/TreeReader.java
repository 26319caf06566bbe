package dev.nexus.policy.parse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.nexus.policy.model.SourceLocation;
import dev.nexus.policy.validate.Diagnostics;
import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads YAML or JSON with Jackson's streaming parser into a located {@link Node} tree.
 * Syntax errors and duplicate keys become diagnostics with their line and column.
 */
final class TreeReader {

    private static final JsonFactory JSON = JsonFactory.builder().build();
    /** Generated policies with 100,000 routes exceed SnakeYAML's default 3 MiB document limit. */
    static final int MAX_YAML_CODE_POINTS = 128 * 1024 * 1024;

    private static final YAMLFactory YAML = YAMLFactory.builder().loaderOptions(loaderOptions()).build();

    private final String file;
    private final Diagnostics diagnostics;

    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_YAML_CODE_POINTS);
        return options;
    }

    TreeReader(String file, Diagnostics diagnostics) {
        this.file = file;
        this.diagnostics = diagnostics;
    }

    /** The root node, or {@code null} when the file cannot be read as one document (reported). */
    Node read(String content, boolean json) {
        try (JsonParser parser = (json ? JSON : YAML).createParser(content)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                diagnostics.error(new SourceLocation(file, 1, 1), "", "file is empty; expected a policy document starting with version: 1");
                return null;
            }
            Node root = readValue(parser, "");
            if (parser.nextToken() != null) {
                diagnostics.error(location(parser.currentTokenLocation()), "",
                        "only one document per file is allowed");
                return null;
            }
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            SourceLocation where = at == null ? new SourceLocation(file, 1, 1) : location(at);
            diagnostics.error(where, "", "syntax error: " + firstLine(e.getOriginalMessage()));
            return null;
        } catch (IOException e) {
            diagnostics.error(new SourceLocation(file, 1, 1), "", "cannot read: " + e.getMessage());
            return null;
        }
    }

    private Node readValue(JsonParser parser, String path) throws IOException {
        SourceLocation at = location(parser.currentTokenLocation());
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT:
                return readMap(parser, at, path);
            case START_ARRAY:
                List<Node> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(readValue(parser, path + "[" + items.size() + "]"));
                }
                return new Node.ListNode(at, List.copyOf(items));
            case VALUE_STRING:
                return new Node.ScalarNode(at, parser.getText());
            case VALUE_NUMBER_INT:
                return new Node.ScalarNode(at, parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? (Object) Double.valueOf(parser.getDoubleValue()) : Long.valueOf(parser.getLongValue()));
            case VALUE_NUMBER_FLOAT:
                return new Node.ScalarNode(at, parser.getDoubleValue());
            case VALUE_TRUE:
                return new Node.ScalarNode(at, Boolean.TRUE);
            case VALUE_FALSE:
                return new Node.ScalarNode(at, Boolean.FALSE);
            case VALUE_NULL:
                return new Node.ScalarNode(at, null);
            default:
                throw new IllegalStateException("unexpected token " + token + " at " + at);
        }
    }

    private Node readMap(JsonParser parser, SourceLocation at, String path) throws IOException {
        Map<String, Node.Entry> entries = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            SourceLocation keyAt = location(parser.currentTokenLocation());
            String keyPath = path.isEmpty() ? key : path + "." + key;
            parser.nextToken();
            Node value = readValue(parser, keyPath);
            Node.Entry previous = entries.putIfAbsent(key, new Node.Entry(keyAt, value));
            if (previous != null) {
                diagnostics.error(keyAt, keyPath, "duplicate key \"" + key + "\" (first defined at "
                        + previous.keyLocation() + ")");
            }
        }
        return new Node.MapNode(at, entries);
    }

    private SourceLocation location(JsonLocation at) {
        return new SourceLocation(file, Math.max(at.getLineNr(), 1), Math.max(at.getColumnNr(), 1));
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
