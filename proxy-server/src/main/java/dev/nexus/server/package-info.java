/**
 * The {@code nexus-proxy} process: {@link dev.nexus.server.Main} builds the command line,
 * {@link dev.nexus.server.RunCommand} loads the configuration and runs a {@link dev.nexus.server.NexusServer},
 * which starts the admin listener and the data plane behind the {@link dev.nexus.server.runtime.ProxyRuntime} seam,
 * and drains it on SIGTERM.
 */
package dev.nexus.server;
