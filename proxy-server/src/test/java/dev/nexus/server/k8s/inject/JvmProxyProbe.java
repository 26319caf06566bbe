package dev.nexus.server.k8s.inject;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;

/**
 * Run in a child JVM by {@link JvmProxyOptionsTest}: prints, for each URI argument, the proxy the JDK's
 * default ProxySelector picks, exactly as the JDK HttpClient would.
 */
public final class JvmProxyProbe {

    private JvmProxyProbe() {
    }

    public static void main(String[] args) {
        for (String uri : args) {
            Proxy proxy = ProxySelector.getDefault().select(URI.create(uri)).get(0);
            InetSocketAddress address = (InetSocketAddress) proxy.address();
            System.out.println(uri + " -> " + proxy.type()
                    + (address == null ? "" : " " + address.getHostString() + ":" + address.getPort()));
        }
    }
}
