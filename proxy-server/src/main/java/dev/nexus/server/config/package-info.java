/**
 * The YAML configuration: {@link dev.nexus.server.config.ConfigLoader} turns a file into an immutable,
 * validated {@link dev.nexus.server.config.NexusConfig}; {@link dev.nexus.server.config.Secret} keeps
 * secrets out of every printed form. Reference: {@code docs/configuration.md}.
 */
package dev.nexus.server.config;
