package dev.nexus.policy.match;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Host keys (exact names, or the suffixes of wildcard patterns) with their {@link HostGroup}s, in an
 * open-addressing table laid out for lookups that miss the CPU caches, as they do at 100,000 routes. A
 * probe reads one 8-byte slot (the key's hash, where its record is in {@link CompactRoutes}); the record
 * (length, flags, text) is compared only when the hash agrees, and the group's routes follow it there, so
 * a hit reads the slot and one run of ints. Nothing is allocated. Slots are picked by Fibonacci hashing,
 * so similar keys ({@code team-1}, {@code team-2}) do not pile up in one run of slots as they would with
 * the low bits of {@link String#hashCode()}.
 *
 * <p>Keys are hashed from their right end ({@link #step}), so {@link HostIndex} gets the hash of every
 * suffix of a host in one pass. A key may carry no group and only say that longer keys end with it
 * ({@link #hasLonger}), which lets a suffix walk stop at the first suffix nothing extends.
 */
final class HostTable {

    /** What {@link #find} returns when the key is absent. */
    static final int ABSENT = -1;

    private static final int HAS_LONGER = 1 << 16;
    private static final int HAS_GROUP = 1 << 17;

    /** Per slot: the key's hash, its record's offset in {@link #records} plus one (0 = empty slot). */
    private final int[] slots;
    /** Per slot: its key's group, or {@code null}. */
    private final HostGroup[] groups;
    private final CompactRoutes records;
    private final int shift;

    private HostTable(int[] slots, HostGroup[] groups, CompactRoutes records, int shift) {
        this.slots = slots;
        this.groups = groups;
        this.records = records;
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
        int mask = groups.length - 1;
        for (int i = (hash * 0x9E3779B9) >>> shift; ; i = (i + 1) & mask) {
            int record = slots[2 * i + 1] - 1;
            if (record < 0) {
                return ABSENT;
            }
            if (slots[2 * i] == hash && records.keyEquals(record, host, from)) {
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
        int record = slots[2 * slot + 1] - 1;
        return (records.keyFlags(record) & HAS_GROUP) != 0 ? records.afterKey(record) : -1;
    }

    /** Whether some longer key ends with the key at {@code slot}, preceded by a dot. */
    boolean hasLonger(int slot) {
        return (records.keyFlags(slots[2 * slot + 1] - 1) & HAS_LONGER) != 0;
    }

    /**
     * Collects keys (normalised host names: ASCII, at most 253 characters), writes them and their
     * groups to {@link CompactRoutes}, then lays out the table.
     */
    static final class Builder {
        /** Every key with its group; {@code null} for a key that only ends longer keys. */
        private final Map<String, HostGroup> keys = new LinkedHashMap<>();
        private final Set<String> endingLonger = new HashSet<>();
        private final Map<String, Integer> records = new LinkedHashMap<>();

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

        /** Writes each key's record, followed by its group's routes. */
        void writeTo(CompactRoutes.Builder routes) {
            keys.forEach((key, group) -> {
                int flags = (endingLonger.contains(key) ? HAS_LONGER : 0) | (group != null ? HAS_GROUP : 0);
                records.put(key, routes.key(key, flags));
                if (group != null) {
                    routes.group(group);
                }
            });
        }

        /** The table, after {@link #writeTo} and once {@code routes} is built. */
        HostTable build(CompactRoutes routes) {
            int capacity = Integer.highestOneBit(Math.max(2, keys.size()) * 2 - 1) * 2;
            int shift = 32 - Integer.numberOfTrailingZeros(capacity);
            int[] slots = new int[capacity * 2];
            HostGroup[] groups = new HostGroup[capacity];
            keys.forEach((key, group) -> {
                int i = (hash(key) * 0x9E3779B9) >>> shift;
                while (slots[2 * i + 1] != 0) {
                    i = (i + 1) & (capacity - 1);
                }
                slots[2 * i] = hash(key);
                slots[2 * i + 1] = records.get(key) + 1;
                groups[i] = group;
            });
            return new HostTable(slots, groups, routes, shift);
        }
    }
}
