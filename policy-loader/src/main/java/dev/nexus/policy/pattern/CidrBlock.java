package dev.nexus.policy.pattern;

/**
 * An IPv4 or IPv6 network ({@code 10.0.0.0/8}, {@code fd00::/8}); a bare address is a
 * single-address block ({@code /32} or {@code /128}).
 */
public record CidrBlock(IpAddress base, int prefix) {

    /**
     * Parses {@code text}; throws {@link PatternException} with a message that says what is
     * wrong, e.g. {@code invalid CIDR "10.0.0.0/33" (prefix must be 0-32)}.
     */
    public static CidrBlock parse(String text) {
        int slash = text.indexOf('/');
        String addressPart = slash < 0 ? text : text.substring(0, slash);
        IpAddress address = IpAddress.parse(addressPart);
        if (address == null) {
            throw new PatternException("invalid CIDR \"" + text + "\" (\"" + addressPart
                    + "\" is not an IPv4 or IPv6 address)");
        }
        int max = address.bitLength();
        if (slash < 0) {
            return new CidrBlock(address, max);
        }
        String prefixPart = text.substring(slash + 1);
        int prefix;
        try {
            prefix = prefixPart.isEmpty() || prefixPart.length() > 3 ? -1 : Integer.parseInt(prefixPart);
        } catch (NumberFormatException e) {
            prefix = -1;
        }
        if (prefix < 0 || prefix > max) {
            throw new PatternException("invalid CIDR \"" + text + "\" (prefix must be 0-" + max + ")");
        }
        CidrBlock block = new CidrBlock(address, prefix);
        CidrBlock network = new CidrBlock(block.network(), prefix);
        if (!network.base.equals(address)) {
            throw new PatternException("invalid CIDR \"" + text + "\" (host bits set; did you mean "
                    + network + "?)");
        }
        return block;
    }

    /** The base address with every bit after the prefix cleared. */
    private IpAddress network() {
        if (!base.v6()) {
            long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
            return new IpAddress(false, 0, base.lo() & mask);
        }
        long hiMask = prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
        long loMask = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
        return new IpAddress(true, base.hi() & hiMask, base.lo() & loMask);
    }

    public boolean contains(IpAddress address) {
        if (address.v6() != base.v6()) {
            return false;
        }
        for (int i = 0; i < prefix; i++) {
            if (address.bit(i) != base.bit(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return base + "/" + prefix;
    }
}
