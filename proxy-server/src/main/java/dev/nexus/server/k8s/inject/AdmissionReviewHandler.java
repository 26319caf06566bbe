package dev.nexus.server.k8s.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Turns an {@code admission.k8s.io/v1} AdmissionReview request into its response: {@code allowed: true}
 * with a base64 JSON Patch for injected pods, {@code allowed: true} without a patch for every other object,
 * {@code allowed: false} with a {@code status.message} naming the problem when a pod's annotations cannot
 * be honoured.
 */
public final class AdmissionReviewHandler {

    static final String API_VERSION = "admission.k8s.io/v1";

    private final ObjectMapper mapper;
    private final PodInjector injector;

    public AdmissionReviewHandler(ObjectMapper mapper, PodInjector injector) {
        this.mapper = mapper;
        this.injector = injector;
    }

    /**
     * @throws IllegalArgumentException when the document is not an AdmissionReview request (the caller
     *                                  answers HTTP 400: there is no uid to answer to)
     */
    public ObjectNode review(JsonNode review, boolean namespaceOptIn) {
        if (!"AdmissionReview".equals(review.path("kind").asText()) || !API_VERSION.equals(review.path("apiVersion").asText())) {
            throw new IllegalArgumentException("expected kind AdmissionReview, apiVersion " + API_VERSION);
        }
        JsonNode request = review.path("request");
        String uid = request.path("uid").asText("");
        if (uid.isEmpty()) {
            throw new IllegalArgumentException("request.uid is missing");
        }
        ObjectNode out = mapper.createObjectNode();
        out.put("apiVersion", API_VERSION);
        out.put("kind", "AdmissionReview");
        ObjectNode response = out.putObject("response");
        response.put("uid", uid);

        boolean isPodCreate = "Pod".equals(request.path("kind").path("kind").asText())
                && request.path("resource").path("resource").asText("pods").equals("pods")
                && request.path("subResource").isMissingNode()
                && "CREATE".equals(request.path("operation").asText("CREATE"))
                && request.path("object").isObject();
        if (!isPodCreate) {
            response.put("allowed", true);
            return out;
        }
        PodInjector.Result result = injector.inject(request.get("object"), namespaceOptIn);
        if (result instanceof PodInjector.Result.Patched patched) {
            response.put("allowed", true);
            response.put("patchType", "JSONPatch");
            response.put("patch", Base64.getEncoder().encodeToString(
                    patched.patch().toString().getBytes(StandardCharsets.UTF_8)));
        } else if (result instanceof PodInjector.Result.Refused refused) {
            response.put("allowed", false);
            ObjectNode status = response.putObject("status");
            status.put("code", 400);
            status.put("reason", "BadRequest");
            status.put("message", "nexus-proxy injector: " + refused.message());
        } else {
            response.put("allowed", true);
        }
        return out;
    }
}
