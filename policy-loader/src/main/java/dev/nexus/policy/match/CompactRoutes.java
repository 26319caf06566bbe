package dev.nexus.policy.match;

import dev.nexus.policy.pattern.PathPattern;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The host groups' routes packed into one int array, the form {@link CompiledPolicy#decide} reads: at
 * 100,000 routes a request's group is rarely in the CPU caches, and walking objects (group, entry array,
 * entry, route, path pattern, its string) costs a cache miss each, one after the other. Here a host key's
 * text is followed by its group's routes, so a request reads one run of ints and one decision.
 *
 * <p>Layout. Text (a path prefix): characters two per int. A host key record: its length and the flags
 * {@link HostTable} keeps with it, then its text. A group: entry count, the offset
 * of the next less specific group ({@link HostGroup#next}) or -1, then its entries in request order. An
 * entry: {@code checks} (flags, scheme bits, port count, prefix length), method bits, entry index, ports,
 * path prefix. What this form does not hold (agent patterns, other methods, globs, case-insensitive paths)
 * is marked {@link #FULL_CHECK}, and that entry is checked by its {@link RouteEntry} as in {@code explain}.
 */
final class CompactRoutes {

    /** Bits 0-15 of a host key record's first int: the key's length; the caller's flags above. */
    static final int KEY_LENGTH = 0xFFFF;
    /** An entry's fixed part: checks, method bits, entry index; its ports and path prefix follow. */
    private static final int ENTRY_INTS = 3;
    /** Bits 0-1 of {@code checks}: the route's schemes, as {@link CompiledRoute#schemeBit} values. */
    private static final int SCHEMES = CompiledRoute.SCHEME_HTTP | CompiledRoute.SCHEME_HTTPS;
    /** The method bits apply; else any method. */
    private static final int METHODS = 1 << 2;
    /** The path must start with the prefix (on a segment boundary); else any path. */
    private static final int PREFIX = 1 << 3;
    private static final int FULL_CHECK = 1 << 4;
    /** Bits 8-15 of {@code checks}: how many ports follow; none means the scheme's default port. */
    private static final int PORT_COUNT_SHIFT = 8;
    private static final int MAX_PORTS = 0xFF;
    private static final int PREFIX_LENGTH_SHIFT = 16;
    private static final int MAX_PREFIX_LENGTH = 0xFFFF;
    /** The methods with a bit; a route naming another is checked in full. */
    private static final String[] METHOD_NAMES = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
            "TRACE", "CONNECT"};

    private final int[] code;
    private final RouteEntry[] entries;
    private final Decision[] decisions;

    private CompactRoutes(int[] code, RouteEntry[] entries) {
        this.code = code;
        this.entries = entries;
        this.decisions = Arrays.stream(entries).map(RouteEntry::decision).toArray(Decision[]::new);
    }

    /** Whether the host key record at {@code record} holds {@code host[from, end)}. */
    boolean keyEquals(int record, String host, int from) {
        int length = host.length() - from;
        return (code[record] & KEY_LENGTH) == length && startsWith(host, from, record + 1, length);
    }

    /** The flags written with the host key record at {@code record}. */
    int keyFlags(int record) {
        return code[record] & ~KEY_LENGTH;
    }

    /** Where what was appended right after the host key record at {@code record} starts. */
    int afterKey(int record) {
        return record + 1 + ((code[record] & KEY_LENGTH) + 1) / 2;
    }

    /**
     * The first entry that matches, walking from the group at {@code group} (-1 for none) along the less
     * specific ones, or {@code otherwise}; the same answer as walking the {@link HostGroup}s' entries.
     */
    Decision decide(int group, int schemeBit, int port, String method, String agent, String path, Decision otherwise) {
        int methodBit = methodBit(method);
        for (int at = group; at >= 0; at = code[at + 1]) {
            int entry = at + 2;
            for (int n = code[at]; n > 0; n--) {
                int checks = code[entry];
                int ports = (checks >>> PORT_COUNT_SHIFT) & MAX_PORTS;
                int prefixLength = checks >>> PREFIX_LENGTH_SHIFT;
                if ((checks & FULL_CHECK) != 0) {
                    RouteEntry full = entries[code[entry + 2]];
                    if (full.route().check(schemeBit, port, method, agent) == CompiledRoute.MATCH
                            && (full.path() == null || full.path().matches(path))) {
                        return full.decision();
                    }
                } else if (matches(entry, checks, ports, prefixLength, schemeBit, port, methodBit, path)) {
                    return decisions[code[entry + 2]];
                }
                entry += ENTRY_INTS + ports + (prefixLength + 1) / 2;
            }
        }
        return otherwise;
    }

    /** {@link CompiledRoute#check} and {@link PathPattern#matches} for an entry held in full here. */
    private boolean matches(int entry, int checks, int ports, int prefixLength, int schemeBit, int port, int methodBit,
                            String path) {
        return (checks & schemeBit) != 0
                && (ports == 0 ? port == (schemeBit == CompiledRoute.SCHEME_HTTPS ? 443 : 80) : hasPort(entry + ENTRY_INTS, ports, port))
                && ((checks & METHODS) == 0 || (code[entry + 1] & methodBit) != 0)
                && ((checks & PREFIX) == 0 || startsWithSegment(path, entry + ENTRY_INTS + ports, prefixLength));
    }

    private boolean hasPort(int offset, int count, int port) {
        for (int k = 0; k < count; k++) {
            if (code[offset + k] == port) {
                return true;
            }
        }
        return false;
    }

    /** {@link PathPattern#matches} of a {@link PathPattern#literalPrefix()}: the prefix, then the end or a new segment. */
    private boolean startsWithSegment(String path, int offset, int length) {
        return path.length() >= length && startsWith(path, 0, offset, length)
                && (path.length() == length || path.charAt(length) == '/' || length > 0 && path.charAt(length - 1) == '/');
    }

    private boolean startsWith(String s, int from, int offset, int length) {
        for (int k = 0; k < length; k++) {
            if (s.charAt(from + k) != (char) (code[offset + (k >> 1)] >>> ((k & 1) << 4))) {
                return false;
            }
        }
        return true;
    }

    /** The bit of {@code method}; every bit for {@code null} (methods not yet known match), none for others. */
    private static int methodBit(String method) {
        if (method == null) {
            return -1;
        }
        for (int i = 0; i < METHOD_NAMES.length; i++) {
            if (METHOD_NAMES[i].equalsIgnoreCase(method)) {
                return 1 << i;
            }
        }
        return 0;
    }

    /** Appends texts and groups; {@link #build} links each group to its next one. */
    static final class Builder {
        private int[] code = new int[64];
        private int size;
        private final List<RouteEntry> entries = new ArrayList<>();
        private final List<HostGroup> groups = new ArrayList<>();

        /** Appends a host key record, {@code flags} (above {@link #KEY_LENGTH}) kept with it; returns its offset. */
        int key(String key, int flags) {
            int at = size;
            reserve(1);
            code[at] = key.length() | flags;
            text(key);
            return at;
        }

        /** Appends {@code text}; returns its offset. */
        private int text(String text) {
            int at = size;
            reserve((text.length() + 1) / 2);
            for (int k = 0; k < text.length(); k++) {
                code[at + (k >> 1)] |= text.charAt(k) << ((k & 1) << 4);
            }
            return at;
        }

        /** Appends {@code group}'s entries and records the offset in {@link HostGroup#routes}; returns it. */
        int group(HostGroup group) {
            int at = size;
            group.routes = at;
            groups.add(group);
            reserve(2);
            code[at] = group.entries.length;
            for (RouteEntry entry : group.entries) {
                entry(entry);
            }
            return at;
        }

        private void entry(RouteEntry entry) {
            CompiledRoute route = entry.route();
            PathPattern path = entry.path();
            String prefix = path == null ? null : path.literalPrefix();
            int methods = methodBits(route.methods());
            int[] ports = route.ports() == null ? new int[0] : route.ports();
            boolean full = route.restrictsAgents() || ports.length > MAX_PORTS || methods < 0
                    || path != null && (prefix == null || prefix.length() > MAX_PREFIX_LENGTH);
            int checks = route.schemeMask() & SCHEMES | (methods > 0 ? METHODS : 0) | (full ? FULL_CHECK : 0);
            int at = size;
            reserve(ENTRY_INTS);
            code[at + 1] = methods;
            code[at + 2] = entries.size();
            entries.add(entry);
            if (!full) {
                checks |= ports.length << PORT_COUNT_SHIFT;
                reserve(ports.length);
                System.arraycopy(ports, 0, code, at + ENTRY_INTS, ports.length);
            }
            if (prefix != null && !full) {
                checks |= PREFIX | prefix.length() << PREFIX_LENGTH_SHIFT;
                text(prefix);
            }
            code[at] = checks;
        }

        /** The bits of {@code methods}: 0 for any method, -1 when one has no bit. */
        private static int methodBits(String[] methods) {
            if (methods == null) {
                return 0;
            }
            int bits = 0;
            for (String method : methods) {
                int bit = methodBit(method);
                if (bit <= 0) {
                    return -1;
                }
                bits |= bit;
            }
            return bits;
        }

        private void reserve(int ints) {
            if (size + ints > code.length) {
                code = Arrays.copyOf(code, Math.max(code.length * 2, size + ints));
            }
            size += ints;
        }

        CompactRoutes build() {
            for (HostGroup group : groups) {
                code[group.routes + 1] = group.next == null ? -1 : group.next.routes;
            }
            return new CompactRoutes(Arrays.copyOf(code, size), entries.toArray(RouteEntry[]::new));
        }
    }
}
