package dev.nexus.proxy.upstream;

import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.transport.Transport;
import io.netty.channel.EventLoop;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Turns a destination host into the one address the proxy will connect to, without blocking the
 * event loop: IP literals as they are, then configured overrides, then the hosts file (re-read when it
 * changes, {@link ReloadingHostsFile}), then asynchronous DNS. The caller checks the result against policy and connects to exactly that
 * address, so a second lookup cannot return something else (DNS rebinding).
 */
final class DestinationResolver implements AutoCloseable {

    private final EventLoop loop;
    private final ProxySettings settings;
    private final DnsNameResolver dns;

    DestinationResolver(EventLoop loop, ProxySettings settings, Transport transport, ReloadingHostsFile hostsFile) {
        this.loop = loop;
        this.settings = settings;
        DnsNameResolverBuilder builder = new DnsNameResolverBuilder(loop)
                .datagramChannelType(transport.datagramChannel())
                .socketChannelType(transport.socketChannel())
                .resolvedAddressTypes(ResolvedAddressTypes.IPV4_PREFERRED)
                .hostsFileEntriesResolver(hostsFile)
                .queryTimeoutMillis(settings.dnsQueryTimeout().toMillis());
        if (!settings.dnsServers().isEmpty()) {
            builder.nameServerProvider(new SequentialDnsServerAddressStreamProvider(settings.dnsServers()));
        } else {
            builder.nameServerProvider(DnsServerAddressStreamProviders.platformDefault());
        }
        this.dns = builder.build();
    }

    Future<InetAddress> resolve(String host) {
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        if (literal != null) {
            try {
                return loop.newSucceededFuture(InetAddress.getByAddress(host, literal));
            } catch (UnknownHostException impossible) {
                return loop.newFailedFuture(impossible);
            }
        }
        InetAddress override = settings.hostOverrides().get(host);
        if (override != null) {
            return loop.newSucceededFuture(override);
        }
        return dns.resolve(host);
    }

    @Override
    public void close() {
        dns.close();
    }
}
