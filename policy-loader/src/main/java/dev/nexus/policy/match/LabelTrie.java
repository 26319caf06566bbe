package dev.nexus.policy.match;

/**
 * Wildcard host patterns in a trie keyed by reversed labels ({@code *.s3.amazonaws.com} is stored
 * under com -> amazonaws -> s3). A lookup walks the request host's labels from the right, so its
 * cost depends on the host's label count, not on the number of patterns, and it allocates nothing:
 * child tables hash and compare label ranges in place instead of cutting substrings.
 */
final class LabelTrie {

    private final Node root = new Node();

    /** Registers the group for {@code *.suffix}. */
    void put(String suffix, HostGroup group) {
        Node node = root;
        int end = suffix.length();
        while (end > 0) {
            int dot = suffix.lastIndexOf('.', end - 1);
            node = node.childOrCreate(suffix.substring(dot + 1, end));
            end = dot < 0 ? 0 : dot;
        }
        node.group = group;
    }

    /**
     * The group of the longest wildcard covering {@code host} (which must keep at least one
     * label in front of the suffix), or {@code null}.
     */
    HostGroup longestMatch(String host) {
        Node node = root;
        HostGroup best = null;
        int end = host.length();
        while (end > 0) {
            int dot = host.lastIndexOf('.', end - 1);
            node = node.child(host, dot + 1, end);
            if (node == null || dot < 0) {
                break;
            }
            if (node.group != null) {
                best = node.group;
            }
            end = dot;
        }
        return best;
    }

    /** A trie node with an open-addressing child table keyed by label text. */
    private static final class Node {
        private String[] labels = new String[2];
        private Node[] children = new Node[2];
        private int size;
        HostGroup group;

        Node child(String host, int from, int to) {
            int mask = labels.length - 1;
            int length = to - from;
            for (int i = spread(hash(host, from, to)) & mask; ; i = (i + 1) & mask) {
                String label = labels[i];
                if (label == null) {
                    return null;
                }
                if (label.length() == length && host.regionMatches(from, label, 0, length)) {
                    return children[i];
                }
            }
        }

        Node childOrCreate(String label) {
            Node existing = child(label, 0, label.length());
            if (existing != null) {
                return existing;
            }
            if ((size + 1) * 2 > labels.length) {
                grow();
            }
            Node created = new Node();
            insert(label, created);
            return created;
        }

        private void insert(String label, Node node) {
            int mask = labels.length - 1;
            int i = spread(label.hashCode()) & mask;
            while (labels[i] != null) {
                i = (i + 1) & mask;
            }
            labels[i] = label;
            children[i] = node;
            size++;
        }

        private void grow() {
            String[] oldLabels = labels;
            Node[] oldChildren = children;
            labels = new String[oldLabels.length * 2];
            children = new Node[oldLabels.length * 2];
            size = 0;
            for (int i = 0; i < oldLabels.length; i++) {
                if (oldLabels[i] != null) {
                    insert(oldLabels[i], oldChildren[i]);
                }
            }
        }

        /** Same as {@link String#hashCode()} over {@code s[from, to)}, so stored labels can use their cached hash. */
        private static int hash(String s, int from, int to) {
            int h = 0;
            for (int i = from; i < to; i++) {
                h = 31 * h + s.charAt(i);
            }
            return h;
        }

        private static int spread(int h) {
            return h ^ (h >>> 16);
        }
    }
}
