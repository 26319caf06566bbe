package dev.nexus.server.k8s.deploy;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.Optional;

/** Which volume of a pod a container path lives on, as the kubelet resolves it: the deepest mount wins. */
record MountedFiles(JsonNode podSpec, JsonNode container) {

    /** A file under a mount: the pod's volume object and the path below the mount point. */
    record Source(JsonNode volume, String relativePath) {
        /** The referenced ConfigMap's or Secret's name, or empty for other volume types. */
        Optional<String> objectName() {
            if (volume.has("configMap")) {
                return Optional.of(volume.path("configMap").path("name").asText());
            }
            if (volume.has("secret")) {
                return Optional.of(volume.path("secret").path("secretName").asText());
            }
            return Optional.empty();
        }
    }

    Source resolve(String containerPath) {
        Path path = Path.of(containerPath);
        JsonNode best = null;
        for (JsonNode mount : container.path("volumeMounts")) {
            Path mountPath = Path.of(mount.path("mountPath").asText());
            if (path.startsWith(mountPath) && (best == null
                    || mountPath.getNameCount() > Path.of(best.path("mountPath").asText()).getNameCount())) {
                best = mount;
            }
        }
        if (best == null) {
            throw new AssertionError(containerPath + " is on no volume of container " + container.path("name").asText());
        }
        String volumeName = best.path("name").asText();
        for (JsonNode volume : podSpec.path("volumes")) {
            if (volume.path("name").asText().equals(volumeName)) {
                return new Source(volume, Path.of(best.path("mountPath").asText()).relativize(path).toString());
            }
        }
        throw new AssertionError("volumeMount " + volumeName + " names no volume of the pod");
    }
}
