/**
 * The command line framework: {@link dev.nexus.server.cli.NexusCli} dispatches to
 * {@link dev.nexus.server.cli.Command}s (grouped by {@link dev.nexus.server.cli.CommandGroup}), handles
 * {@code --help}/{@code --version} and turns usage mistakes into exit code 2.
 */
package dev.nexus.server.cli;
