package dev.nexus.policy.match;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Host keys (exact names, or the suffixes of wildcard patterns) with their {@link HostGroup}s, in an
 * open-addressing table laid out for lookups that miss the CPU caches, as they do at 100,000 routes. A
 * probe reads one 16-byte slot (hash, where the key's text is in {@link CompactRoutes}, its length and
 * flags, where its group's routes are); the key is compared only when the hash agrees, and its group's
 * routes follow its text there, so a hit reads two places. Nothing is allocated. Slots are picked by
 * Fibonacci hashing, so similar keys ({@code team-1}, {@code team-2}) do not pile up in one run of slots
 * as they would with the low bits of {@link String#hashCode()}.
 *
 * <p>Keys are hashed from their right end ({@link #step}), so {@link HostIndex} gets the hash of every
 * suffix of a host in one pass. A key may carry no group and only say that longer keys end with it
 * ({@link #hasLonger}), which lets a suffix walk stop at the first suffix nothing extends.
 */
final class HostTable {

    /** What {@link #find} returns when the key is absent. */
    static final int ABSENT = -1;

    private static final int SLOT_INTS = 4;
    private static final int LENGTH_MASK = 0xFFFF;
    private static final int HAS_LONGER = 1 << 16;

    /** Per slot: hash, key text offset, key length | flags (0 = empty slot), group routes offset or -1. */
    private final int[] slots;
    /** Per slot: its key's group, or {@code null}. */
    private final HostGroup[] groups;
    private final CompactRoutes texts;
    private final int shift;

    private HostTable(int[] slots, HostGroup[] groups, CompactRoutes texts, int shift) {
        this.slots = slots;
        this.groups = groups;
        this.texts = texts;
        this.shift = shift;
    }

    /** The hash of {@code c} followed by a key whose hash is {@code hash} (the empty key's is 0). */
    static int step(int hash, char c) {
        return 31 * hash + c;
    }

    /** The hash of {@code key}, read from its right end. */
    static int hash(String key) {
        int hash = 0;
        for (int i = key.length() - 1; i >= 0; i--) {
            hash = step(hash, key.charAt(i));
        }
        return hash;
    }

    /** The slot of {@code host[from, end)}, whose {@link #hash} is {@code hash}, or {@link #ABSENT}. */
    int find(String host, int from, int hash) {
        int length = host.length() - from;
        int mask = groups.length - 1;
        for (int i = (hash * 0x9E3779B9) >>> shift; ; i = (i + 1) & mask) {
            int at = i * SLOT_INTS;
            int lengthAndFlags = slots[at + 2];
            if (lengthAndFlags == 0) {
                return ABSENT;
            }
            if (slots[at] == hash && (lengthAndFlags & LENGTH_MASK) == length
                    && texts.textEquals(slots[at + 1], host, from, length)) {
                return i;
            }
        }
    }

    /** The group at {@code slot}, or {@code null} when the key only ends longer keys. */
    HostGroup group(int slot) {
        return groups[slot];
    }

    /** Where {@link CompactRoutes} holds the routes of the group at {@code slot}; -1 when it has none. */
    int routes(int slot) {
        return slots[slot * SLOT_INTS + 3];
    }

    /** Whether some longer key ends with the key at {@code slot}, preceded by a dot. */
    boolean hasLonger(int slot) {
        return (slots[slot * SLOT_INTS + 2] & HAS_LONGER) != 0;
    }

    /**
     * Collects keys (normalised host names: ASCII, at most 253 characters), writes them and their
     * groups to {@link CompactRoutes}, then lays out the table.
     */
    static final class Builder {
        /** Every key with its group; {@code null} for a key that only ends longer keys. */
        private final Map<String, HostGroup> keys = new LinkedHashMap<>();
        private final Set<String> endingLonger = new HashSet<>();
        private final Map<String, Integer> textOffsets = new LinkedHashMap<>();

        /** Adds {@code key} with its group. */
        void put(String key, HostGroup group) {
            keys.put(key, group);
        }

        /** Adds {@code key} and marks every shorter suffix of it (at a dot) as ending a longer key. */
        void putWithSuffixes(String key, HostGroup group) {
            put(key, group);
            for (int dot = key.indexOf('.'); dot >= 0; dot = key.indexOf('.', dot + 1)) {
                String suffix = key.substring(dot + 1);
                keys.putIfAbsent(suffix, null);
                endingLonger.add(suffix);
            }
        }

        /** Writes each key, followed by its group's routes. */
        void writeTo(CompactRoutes.Builder routes) {
            keys.forEach((key, group) -> {
                textOffsets.put(key, routes.text(key));
                if (group != null) {
                    routes.group(group);
                }
            });
        }

        /** The table, after {@link #writeTo} and once {@code routes} is built. */
        HostTable build(CompactRoutes routes) {
            int capacity = Integer.highestOneBit(Math.max(2, keys.size()) * 2 - 1) * 2;
            int shift = 32 - Integer.numberOfTrailingZeros(capacity);
            int[] slots = new int[capacity * SLOT_INTS];
            HostGroup[] groups = new HostGroup[capacity];
            keys.forEach((key, group) -> {
                int i = (hash(key) * 0x9E3779B9) >>> shift;
                while (slots[i * SLOT_INTS + 2] != 0) {
                    i = (i + 1) & (capacity - 1);
                }
                slots[i * SLOT_INTS] = hash(key);
                slots[i * SLOT_INTS + 1] = textOffsets.get(key);
                slots[i * SLOT_INTS + 2] = key.length() | (endingLonger.contains(key) ? HAS_LONGER : 0);
                slots[i * SLOT_INTS + 3] = group == null ? -1 : group.routes;
                groups[i] = group;
            });
            return new HostTable(slots, groups, routes, shift);
        }
    }
}
