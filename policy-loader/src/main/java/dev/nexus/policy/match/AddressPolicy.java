package dev.nexus.policy.match;

import dev.nexus.policy.pattern.AddressRules;
import dev.nexus.policy.pattern.CidrBlock;
import dev.nexus.policy.pattern.IpAddress;

import java.net.InetAddress;
import java.util.List;
import java.util.function.Predicate;

/**
 * Which resolved addresses a route may connect to. Addresses inside the route's own CIDRs
 * (IP/CIDR hosts and {@code allow_private_cidrs}) are always permitted; other addresses only
 * when the route names hosts by name and the address is not restricted
 * ({@link AddressRules#RESTRICTED}: loopback, link-local, private, unique-local, ...).
 */
public final class AddressPolicy implements Predicate<InetAddress> {

    /** For routes (and the default allow) that name hosts and list no CIDRs. */
    public static final AddressPolicy PUBLIC_ONLY = new AddressPolicy(List.of(), true);

    private final CidrBlock[] explicit;
    private final boolean publicAddresses;

    /**
     * @param explicit        blocks always permitted
     * @param publicAddresses whether unrestricted addresses outside {@code explicit} are permitted
     */
    public AddressPolicy(List<CidrBlock> explicit, boolean publicAddresses) {
        this.explicit = explicit.toArray(CidrBlock[]::new);
        this.publicAddresses = publicAddresses;
    }

    @Override
    public boolean test(InetAddress address) {
        IpAddress ip = IpAddress.of(address);
        for (CidrBlock block : explicit) {
            if (block.contains(ip)) {
                return true;
            }
        }
        return publicAddresses && !AddressRules.isRestricted(ip);
    }
}
