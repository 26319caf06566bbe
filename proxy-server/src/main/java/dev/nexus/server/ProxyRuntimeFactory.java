package dev.nexus.server;

/** Builds the {@link ProxyRuntime} for a configuration; {@link Main} names the one this build uses. */
@FunctionalInterface
public interface ProxyRuntimeFactory {

    ProxyRuntime create(RuntimeContext context) throws Exception;
}
