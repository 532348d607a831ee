package io.coedge.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.format.Frame;
import io.coedge.format.ImageFormat;
import io.coedge.models.ModelGenerator;
import io.coedge.operators.dispatch.RoutedFrame;
import io.coedge.sidecar.SidecarOptions;
import io.coedge.sidecar.SidecarServer;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overload cannot grow a node's heap: what it holds is bounded in bytes, and arrivals beyond are
 * shed and reported.
 */
class NodeMemoryBoundITCase {
    static final byte[] JPEG = NodeBatcherOperatorITCase.JPEG;

    @TempDir static Path dir;
    static SidecarServer sidecar;

    @BeforeAll
    static void sidecar() throws Exception {
        Path models = dir.resolve("models");
        new ModelGenerator(3, ModelGenerator.Scale.TINY).generateAll(models);
        sidecar =
                SidecarServer.start(
                        SidecarOptions.builder(models)
                                .port(0)
                                .metricsPort(-1)
                                .warmUpRuns(1)
                                .build());
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    private static RoutedFrame frame(long seq) {
        long now = System.currentTimeMillis();
        Frame f =
                new Frame(
                        "cam-2#" + seq,
                        "cam-2",
                        seq,
                        "walkers",
                        "edge-1",
                        now,
                        60_000,
                        ImageFormat.JPEG,
                        80,
                        60,
                        JPEG,
                        "f/0@" + seq);
        return new RoutedFrame(f, "edge-1", 7, now);
    }

    @Test
    void aNodeHoldingItsByteBoundShedsArrivalsAtOnceAsQueueFullAndRunsWhatItHolds()
            throws Exception {
        BatcherConfig config =
                BatcherConfig.defaults(NodeBatcherOperatorITCase.CATALOG, "coedge", true)
                        .withSidecars(Map.of("edge-1", "127.0.0.1:" + sidecar.port()))
                        .withQueueBounds(1_000, 3L * JPEG.length);
        try (var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new NodeBatcherFactory(config), RoutedFrame::key, Types.INT)) {
            h.open();
            for (long seq = 1; seq <= 5; seq++) {
                h.processElement(frame(seq), 0);
            }
            assertThat(h.extractOutputValues())
                    .as("shed on arrival, before anything completes")
                    .extracting(
                            r -> r.frameId() + " " + r.status() + " " + r.reason().split(":")[0])
                    .containsExactly("cam-2#4 DROPPED QUEUE_FULL", "cam-2#5 DROPPED QUEUE_FULL");

            h.endInput();

            assertThat(h.extractOutputValues())
                    .extracting(r -> r.frameId() + " " + r.status())
                    .containsExactly(
                            "cam-2#4 DROPPED",
                            "cam-2#5 DROPPED",
                            "cam-2#1 OK",
                            "cam-2#2 OK",
                            "cam-2#3 OK");
        }
    }
}
