package dev.nexus.proxy.exchange;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Which requests are gRPC calls, and which paths may stand in the records as a gRPC method. */
class GrpcRequestsTest {

    private static HttpHeaders contentType(String value) {
        return new DefaultHttpHeaders().set("content-type", value);
    }

    @Test
    void everyGrpcContentTypeIsACallAndNothingElse() {
        assertThat(GrpcRequests.isGrpc(contentType("application/grpc"))).isTrue();
        assertThat(GrpcRequests.isGrpc(contentType("application/grpc+proto"))).isTrue();
        assertThat(GrpcRequests.isGrpc(contentType("Application/GRPC-Web-Text"))).isTrue();
        assertThat(GrpcRequests.isGrpc(contentType("application/json"))).isFalse();
        assertThat(GrpcRequests.isGrpc(contentType("application/grp"))).isFalse();
        assertThat(GrpcRequests.isGrpc(new DefaultHttpHeaders())).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/grpc.health.v1.Health/Check", "/demo.v1.Echo/Say", "/a_b.C2/_m"})
    void methodShapedPathsAreRecordedAsTheyAre(String path) {
        assertThat(GrpcRequests.method(path)).isEqualTo(path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/Echo/Say", "/demo.v1.Echo/Say/extra", "/demo..Echo/Say", "/demo.v1.Echo/",
            "/.Echo/Say", "/1demo.Echo/Say", "/demo.Echo/Say?x=1", "/demo.Echo/Säy", "demo.Echo/Say", "/",
            "/demo.Echo/Say\n", ""})
    void otherPathsAreNoMethod(String path) {
        assertThat(GrpcRequests.method(path)).isNull();
    }

    @Test
    void overlongOrMissingPathsAreNoMethod() {
        assertThat(GrpcRequests.method("/a." + "b".repeat(GrpcRequests.MAX_METHOD_LENGTH) + "/C")).isNull();
        assertThat(GrpcRequests.method(null)).isNull();
    }
}
