package dev.nexus.proxy.identity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The local agents file for {@code proxy_auth}: agent names mapped to {@link Pbkdf2Hash} strings.
 * <pre>
 * agents:
 *   billing-bot: "pbkdf2-sha256$310000$&lt;salt&gt;$&lt;hash&gt;"
 * </pre>
 * Names are letters, digits, {@code -} and {@code _} only, so the separators of Basic
 * ({@code name:secret}) and Bearer ({@code name.secret}) credentials are never ambiguous. A value
 * that is not a hash is refused without echoing it: it is most likely a plain-text secret.
 */
public final class AgentsFile {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");
    private static final YAMLMapper YAML = YAMLMapper.builder(new YAMLFactory())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final Map<String, Pbkdf2Hash> agents;

    private AgentsFile(Map<String, Pbkdf2Hash> agents) {
        this.agents = Map.copyOf(agents);
    }

    /** Builds an agents file from already hashed entries (tests, embedding). */
    static AgentsFile of(Map<String, Pbkdf2Hash> agents) {
        agents.keySet().forEach(name -> {
            if (!isValidName(name)) {
                throw new IllegalArgumentException("invalid agent name \"" + name + "\" " + NAME_RULE);
            }
        });
        return new AgentsFile(agents);
    }

    /** Reads and checks {@code file}; every problem names the file and the agent. */
    public static AgentsFile load(Path file) throws IdentityConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IdentityConfigException(file + ": cannot read agents file: no such file");
        } catch (IOException e) {
            throw new IdentityConfigException(file + ": cannot read agents file: " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    /** Parses agents-file text; {@code source} names it in error messages. */
    public static AgentsFile parse(String source, String text) throws IdentityConfigException {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new IdentityConfigException(source + ": " + (at == null ? "" : "line " + at.getLineNr() + ": ")
                    + "invalid YAML: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject() || !root.path("agents").isObject()) {
            throw new IdentityConfigException(source + ": expected a mapping \"agents:\" of agent name to hash");
        }
        Iterator<String> topKeys = root.fieldNames();
        while (topKeys.hasNext()) {
            String key = topKeys.next();
            if (!key.equals("agents")) {
                throw new IdentityConfigException(source + ": unknown key \"" + key + "\" (allowed: agents)");
            }
        }
        Map<String, Pbkdf2Hash> agents = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("agents").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String name = entry.getKey();
            String where = source + ": agents." + name;
            if (!isValidName(name)) {
                throw new IdentityConfigException(where + ": invalid agent name " + NAME_RULE);
            }
            if (!entry.getValue().isTextual()) {
                throw new IdentityConfigException(where + ": expected a hash string, got " + entry.getValue().getNodeType());
            }
            try {
                agents.put(name, Pbkdf2Hash.parse(entry.getValue().textValue().trim()));
            } catch (IllegalArgumentException e) {
                throw new IdentityConfigException(where + ": " + e.getMessage());
            }
        }
        return new AgentsFile(agents);
    }

    private static final String NAME_RULE = "(letters, digits, '-' and '_', starting with a letter or digit, at most 128)";

    static boolean isValidName(String name) {
        return NAME.matcher(name).matches();
    }

    /** The stored hash for {@code agent}, or {@code null}. */
    Pbkdf2Hash hashOf(String agent) {
        return agents.get(agent);
    }

    /** Every configured agent name: the bounded set of metric labels for {@code proxy_auth} identities. */
    public Set<String> names() {
        return agents.keySet();
    }

    @Override
    public String toString() {
        return "AgentsFile" + agents.keySet();
    }
}
