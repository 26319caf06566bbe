package dev.nexus.policy.parse;

import dev.nexus.policy.model.SourceLocation;

import java.util.List;
import java.util.Map;

/**
 * A small YAML/JSON tree that, unlike Jackson's tree model, remembers where every key and
 * value was written, so errors found long after parsing can still point at line and column.
 */
public sealed interface Node permits Node.MapNode, Node.ListNode, Node.ScalarNode {

    SourceLocation location();

    /** What kind of value this is, for "expected a list, got a string" messages. */
    String kind();

    /** A mapping; keys keep their order and their own location. */
    record MapNode(SourceLocation location, Map<String, Entry> entries) implements Node {
        @Override
        public String kind() {
            return "a mapping";
        }
    }

    /** One key of a mapping and its value. */
    record Entry(SourceLocation keyLocation, Node value) {
    }

    record ListNode(SourceLocation location, List<Node> items) implements Node {
        @Override
        public String kind() {
            return "a list";
        }
    }

    /** A scalar: {@link String}, {@link Long}, {@link Double}, {@link Boolean}, or {@code null}. */
    record ScalarNode(SourceLocation location, Object value) implements Node {
        @Override
        public String kind() {
            if (value == null) {
                return "null";
            }
            if (value instanceof String) {
                return "a string";
            }
            if (value instanceof Boolean) {
                return "a boolean";
            }
            return "a number";
        }
    }
}
