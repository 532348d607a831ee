package io.coedge.sidecar.testutils;

import io.coedge.oip.OipClient;
import io.coedge.sidecar.SidecarOptions;
import io.coedge.sidecar.SidecarServer;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** A real sidecar on 127.0.0.1 with free ports, and a client connected to it. */
public final class RunningSidecar implements AutoCloseable {
    public final SidecarServer server;
    public final OipClient client;

    private RunningSidecar(SidecarServer server) {
        this.server = server;
        this.client = OipClient.builder("127.0.0.1:" + server.port()).build();
    }

    public static RunningSidecar start(Path repository) throws Exception {
        return start(repository, b -> b);
    }

    public static RunningSidecar start(
            Path repository, UnaryOperator<SidecarOptions.Builder> options) throws Exception {
        SidecarOptions.Builder b =
                SidecarOptions.builder(repository).port(0).metricsPort(0).warmUpRuns(1);
        return new RunningSidecar(SidecarServer.start(options.apply(b).build()));
    }

    public OipClient newClient() {
        return OipClient.builder("127.0.0.1:" + server.port()).build();
    }

    @Override
    public void close() {
        client.close();
        server.close();
    }
}
