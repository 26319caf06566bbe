package dev.nexus.server.runtime;

/** Builds the {@link ProxyRuntime} for a configuration; {@code dev.nexus.server.Main} names the one this build uses. */
@FunctionalInterface
public interface ProxyRuntimeFactory {

    ProxyRuntime create(RuntimeContext context) throws Exception;
}
