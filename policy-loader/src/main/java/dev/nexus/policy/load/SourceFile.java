package dev.nexus.policy.load;

/**
 * One policy file's text.
 *
 * @param name the name used in diagnostics (the path as given, or directory + file name); a name
 *             ending in {@code .json} is read as JSON, anything else as YAML
 */
public record SourceFile(String name, String content) {
}
