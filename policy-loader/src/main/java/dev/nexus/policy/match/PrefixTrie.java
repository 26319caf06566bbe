package dev.nexus.policy.match;

import dev.nexus.policy.pattern.CidrBlock;
import dev.nexus.policy.pattern.IpAddress;

/**
 * CIDR blocks in a binary trie (one per address family): a lookup follows the address bits
 * and returns the group of the longest prefix containing it.
 */
final class PrefixTrie {

    private final Node v4 = new Node();
    private final Node v6 = new Node();

    void put(CidrBlock block, HostGroup group) {
        Node node = block.base().v6() ? v6 : v4;
        for (int i = 0; i < block.prefix(); i++) {
            int bit = block.base().bit(i);
            if (node.children[bit] == null) {
                node.children[bit] = new Node();
            }
            node = node.children[bit];
        }
        node.group = group;
    }

    /** The group of the longest prefix containing {@code address}, or {@code null}. */
    HostGroup longestMatch(IpAddress address) {
        return longestMatch(address, address.bitLength());
    }

    /** Like {@link #longestMatch(IpAddress)} but considering only prefixes shorter than {@code maxPrefix}+1. */
    HostGroup longestMatch(IpAddress address, int maxPrefix) {
        Node node = address.v6() ? v6 : v4;
        HostGroup best = node.group;
        for (int i = 0; i < maxPrefix && node != null; i++) {
            node = node.children[address.bit(i)];
            if (node != null && node.group != null) {
                best = node.group;
            }
        }
        return best;
    }

    private static final class Node {
        final Node[] children = new Node[2];
        HostGroup group;
    }
}
