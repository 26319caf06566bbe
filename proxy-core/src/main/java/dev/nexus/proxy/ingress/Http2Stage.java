package dev.nexus.proxy.ingress;

import dev.nexus.proxy.exchange.AgentProtocol;
import dev.nexus.proxy.exchange.EmptyBodyCoalescer;
import dev.nexus.proxy.services.ProxyServices;
import dev.nexus.proxy.settings.Http2Limits;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;

/**
 * The HTTP/2 stage of an agent connection (h2 after TLS interception, h2c inside a CONNECT): the frame codec
 * with the abuse limits of {@link Http2Limits} (PING and SETTINGS floods counted by {@link Http2FloodGuard}
 * behind it), a child channel per stream whose frames become Netty's
 * {@code HttpRequest}/{@code HttpContent} objects (an answer without body leaves as one HEADERS frame,
 * {@link EmptyBodyCoalescer}), and on each a {@link StreamRequestHandler} that drives
 * the same decide and forward stages as an HTTP/1.1 request. {@link Http2AgentConnection} watches the
 * connection as a whole.
 */
final class Http2Stage {

    private Http2Stage() {
    }

    /** Appends the stage; every stream's requests are bound to {@code origin}. */
    static void add(ChannelPipeline pipeline, ProxyServices services, InterceptedOrigin origin, String routeName,
                    AgentProtocol protocol) {
        Http2Limits limits = services.settings().http2();
        Http2Settings initial = Http2Settings.defaultSettings()
                .maxConcurrentStreams(limits.maxConcurrentStreams())
                .maxHeaderListSize(limits.maxHeaderListSize())
                .initialWindowSize(limits.streamWindowBytes());
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(initial)
                .validateHeaders(true)
                .decoderEnforceMaxRstFramesPerWindow(limits.maxResetsPerWindow(), (int) limits.resetWindow().toSeconds())
                .decoderEnforceMaxSmallContinuationFrames(limits.maxContinuationFrames())
                .decoderEnforceMaxConsecutiveEmptyDataFrames(limits.maxEmptyDataFrames())
                .encoderEnforceMaxQueuedControlFrames(limits.maxQueuedControlFrames())
                .gracefulShutdownTimeoutMillis(services.settings().responseTimeout().toMillis())
                .build();
        Http2AgentConnection connection = new Http2AgentConnection(services, codec, origin, routeName, protocol);
        pipeline.addLast(PipelineNames.H2_CODEC, codec);
        pipeline.addLast(PipelineNames.H2_FLOOD_GUARD, new Http2FloodGuard(codec, limits));
        pipeline.addLast(PipelineNames.H2_STREAMS, new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                StreamAnswerEnd answerEnd = new StreamAnswerEnd();
                stream.pipeline().addLast(answerEnd, new Http2StreamFrameToHttpObjectCodec(true, true),
                        new EmptyBodyCoalescer(), new StreamRequestHandler(services, origin, connection, answerEnd));
            }
        }));
        pipeline.addLast(PipelineNames.H2_CONNECTION, connection);
    }
}
