/**
 * The Nexus Authority's v1 data-plane gateway as a {@link dev.nexus.proxy.credentials.CredentialSource}:
 * {@link dev.nexus.proxy.credentials.nexus.NexusAuthoritySource} configured by
 * {@link dev.nexus.proxy.credentials.nexus.NexusAuthoritySettings} (base URL, API key and header, timeouts,
 * CA bundle, client certificate).
 */
package dev.nexus.proxy.credentials.nexus;
