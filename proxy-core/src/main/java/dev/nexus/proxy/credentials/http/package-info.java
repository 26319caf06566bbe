/**
 * HTTP plumbing shared by the remote credential sources ({@code nexus}, {@code oauth2}):
 * {@link dev.nexus.proxy.credentials.http.CredentialHttpClient} (asynchronous JDK client, timeouts, bounded
 * answers, transport failures as {@code CredentialException}s) and
 * {@link dev.nexus.proxy.credentials.http.TlsFiles} (CA bundle and client certificate from PEM files).
 */
package dev.nexus.proxy.credentials.http;
