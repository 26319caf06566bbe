package dev.nexus.server.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/** What an admin route answers: a status, a content type and a complete body. */
public record AdminResponse(int status, String contentType, byte[] body) {

    static final String JSON_TYPE = "application/json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code value} (maps, lists, records, Jackson nodes) serialised as JSON. */
    public static AdminResponse json(int status, Object value) {
        try {
            return new AdminResponse(status, JSON_TYPE, JSON.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("admin response is not serialisable as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The proxy's error shape: {@code {"error": "...", "detail": "..."}}. */
    public static AdminResponse error(int status, String error, String detail) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("detail", detail);
        return json(status, body);
    }
}
