package dev.nexus.server.k8s.deploy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** The objects of one {@code helm template} run, looked up the way a reviewer reads them: by kind and name. */
record Manifests(List<JsonNode> objects) {

    Manifests {
        objects = List.copyOf(objects);
    }

    /** Splits the multi-document output; documents a template rendered empty are dropped, as kubectl does. */
    static Manifests parse(String rendered) {
        List<JsonNode> objects = new ArrayList<>();
        try (JsonParser parser = SchemaValidation.YAML.createParser(rendered);
             MappingIterator<JsonNode> documents = SchemaValidation.YAML.readValues(parser, JsonNode.class)) {
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document != null && document.isObject() && !document.isEmpty()) {
                    objects.add(document);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Manifests(objects);
    }

    /** "Kind/name" of every object, sorted, namespaced ones as "Kind/namespace/name". */
    TreeSet<String> ids() {
        TreeSet<String> ids = new TreeSet<>();
        for (JsonNode object : objects) {
            JsonNode metadata = object.path("metadata");
            String namespace = metadata.has("namespace") ? metadata.path("namespace").asText() + "/" : "";
            ids.add(object.path("kind").asText() + "/" + namespace + metadata.path("name").asText());
        }
        return ids;
    }

    List<JsonNode> all(String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    /** The one object of this kind; fails when there is none or several. */
    JsonNode one(String kind) {
        List<JsonNode> matches = all(kind);
        if (matches.size() != 1) {
            throw new AssertionError("expected one " + kind + ", rendered " + ids());
        }
        return matches.get(0);
    }

    JsonNode named(String kind, String name) {
        return all(kind).stream().filter(o -> o.path("metadata").path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in " + ids()));
    }
}
