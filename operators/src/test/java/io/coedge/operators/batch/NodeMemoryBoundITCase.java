package io.coedge.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.operators.dispatch.RoutedFrame;
import io.coedge.testing.TestSidecars;
import java.nio.file.Path;
import java.util.List;
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
    static TestSidecars sidecars;

    @BeforeAll
    static void sidecar() throws Exception {
        sidecars = TestSidecars.generated(dir, 3, List.of("edge-1"));
    }

    @AfterAll
    static void stop() {
        sidecars.close();
    }

    private static RoutedFrame frame(long seq) {
        return BatcherHarness.frame(
                "walkers", "cam-2", seq, System.currentTimeMillis(), 60_000, JPEG, 80, 60);
    }

    @Test
    void aNodeHoldingItsByteBoundShedsArrivalsAtOnceAsQueueFullAndRunsWhatItHolds()
            throws Exception {
        try (var h =
                BatcherHarness.open(
                        BatcherConfig.defaults(NodeBatcherOperatorITCase.CATALOG, "coedge", true)
                                .withSidecars(sidecars.addresses())
                                .withQueueBounds(1_000, 3L * JPEG.length))) {
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
