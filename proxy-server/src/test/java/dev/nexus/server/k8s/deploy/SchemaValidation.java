package dev.nexus.server.k8s.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Reads YAML documents, and validates them against a draft-07 JSON Schema (docker-compose.yml's). */
final class SchemaValidation {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private SchemaValidation() {
    }

    static JsonNode yaml(Path file) throws IOException {
        return YAML.readTree(Files.readString(file));
    }

    /**
     * A schema loaded from the test classpath by location, so a relative {@code $id} (the Compose
     * schema's {@code compose_spec.json}) resolves against that location.
     */
    static JsonSchema classpathSchema(String resource) {
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(SchemaLocation.of("classpath:" + resource));
    }

    /** The validation messages, sorted so assertion failures read the same every run. */
    static List<String> problems(JsonSchema schema, JsonNode document) {
        Set<ValidationMessage> messages = schema.validate(document);
        return messages.stream().map(ValidationMessage::getMessage).sorted().toList();
    }
}
