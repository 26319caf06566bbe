/**
 * The development credential source: {@link dev.nexus.proxy.credentials.file.FileCredentialSource} reads a
 * private YAML file of Nexus-shaped token documents (example: {@code dev/nexus/proxy/credentials/example-credentials.yaml})
 * and follows its edits.
 */
package dev.nexus.proxy.credentials.file;
