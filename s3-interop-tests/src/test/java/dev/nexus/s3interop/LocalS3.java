package dev.nexus.s3interop;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

import java.net.URI;
import java.time.Duration;
import java.util.Properties;

import static org.awaitility.Awaitility.await;

/** s3proxy in memory on a free loopback port, accepting only requests signed (SigV4) with the real key. */
final class LocalS3 implements AutoCloseable {

    private final S3Proxy s3;

    LocalS3() throws Exception {
        BlobStoreContext store = ContextBuilder.newBuilder("transient").overrides(new Properties()).build(BlobStoreContext.class);
        s3 = S3Proxy.builder().blobStore(store.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V4, S3ThroughProxy.REAL_ACCESS_KEY, S3ThroughProxy.REAL_SECRET)
                .build();
        s3.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> "STARTED".equals(s3.getState()));
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + s3.getPort());
    }

    @Override
    public void close() throws Exception {
        s3.stop();
    }
}
