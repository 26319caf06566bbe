package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;
import dev.nexus.proxy.credentials.Lease;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * {@code hmac_payload}: sets {@code header_name} to HMAC({@code credentials[secret_field]}, raw body)
 * with {@code algo} {@code sha256} (default) or {@code sha1}, encoded as lower-case {@code hex}
 * (default) or standard padded {@code base64}, as the reference bridge does. An empty body signs the
 * empty string.
 */
final class HmacPayloadStrategy implements CredentialStrategy {

    /** How the MAC bytes are written into the header. */
    enum Encoding {
        HEX, BASE64
    }

    private final AsciiString headerName;
    private final String secretField;
    private final Digests.HmacAlgorithm algorithm;
    private final Encoding encoding;

    HmacPayloadStrategy(String headerName, String secretField, Digests.HmacAlgorithm algorithm, Encoding encoding) {
        this.headerName = AsciiString.cached(headerName);
        this.secretField = secretField;
        this.algorithm = algorithm;
        this.encoding = encoding;
    }

    @Override
    public StrategyType type() {
        return StrategyType.HMAC_PAYLOAD;
    }

    @Override
    public boolean needsBody() {
        return true;
    }

    @Override
    public void stripAgentCredentials(OutboundRequest request) {
        request.headers().remove(headerName);
    }

    @Override
    public void apply(OutboundRequest request, Lease lease) {
        String secret = CredentialFields.require(lease, StrategyType.HMAC_PAYLOAD, secretField);
        BodyRequirement.check(request, StrategyType.HMAC_PAYLOAD);
        byte[] mac = Digests.hmac(algorithm, secret.getBytes(StandardCharsets.UTF_8), request.body());
        String value = encoding == Encoding.HEX ? ByteBufUtil.hexDump(mac) : Base64.getEncoder().encodeToString(mac);
        request.headers().set(headerName, value);
    }

    @Override
    public List<String> secretValues(Lease lease) {
        return CredentialFields.present(lease, secretField);
    }

    @Override
    public String toString() {
        return "hmac_payload[header=" + headerName + ", secret_field=" + secretField + ", algo=" + algorithm
                + ", encoding=" + encoding + "]";
    }
}
