/**
 * OAuth 2.0 token endpoints as a {@link dev.nexus.proxy.credentials.CredentialSource}, for teams with a client
 * id and secret but no Nexus Authority: {@link dev.nexus.proxy.credentials.oauth2.OAuth2CredentialSource} serves
 * the connections described by {@link dev.nexus.proxy.credentials.oauth2.OAuth2Connection} (client credentials
 * or refresh token grant, {@link dev.nexus.proxy.credentials.oauth2.ClientAuthentication}, secrets from a
 * {@link dev.nexus.proxy.credentials.oauth2.SecretSource}). Mix it with other sources per connection through
 * {@link dev.nexus.proxy.credentials.SourcesByConnection}; the lease cache in front is the same as for the Authority.
 */
package dev.nexus.proxy.credentials.oauth2;
