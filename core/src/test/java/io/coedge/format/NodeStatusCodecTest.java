package io.coedge.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Node statuses on the node-profiles topic, with and without link measurements and frame sizes. */
class NodeStatusCodecTest {
    private static NodeStatus status() {
        return new NodeStatus(
                "edge-1",
                0,
                1,
                1_000,
                true,
                "",
                "cpu",
                Map.of("m", new NodeStatus.ModelStatus(new int[] {1}, new long[] {5_000}, 0)),
                0,
                0.1,
                0,
                2);
    }

    @Test
    void linkMeasurementsAndTheProbeAddressRoundTrip() throws Exception {
        NodeStatus s =
                status().withLinks(
                                "10.77.0.1:40001",
                                Map.of("edge-2", new NodeStatus.LinkStatus(4.81, 350, 990, 7)));

        NodeStatus back = NodeStatusCodec.fromJson(NodeStatusCodec.toJson(s));

        assertThat(back.probe()).isEqualTo("10.77.0.1:40001");
        assertThat(back.links())
                .containsExactlyEntriesOf(
                        Map.of("edge-2", new NodeStatus.LinkStatus(4.81, 350, 990, 7)));
        assertThat(back.sourceSubtask()).isZero();
        assertThat(back.withSource(1, 2).links()).isEqualTo(back.links());
    }

    @Test
    void theServiceFactorRoundTripsAndSurvivesTheOtherParts() throws Exception {
        NodeStatus s = status().withServiceFactor(1.37);

        NodeStatus back = NodeStatusCodec.fromJson(NodeStatusCodec.toJson(s));

        assertThat(back.serviceFactor()).isEqualTo(1.37);
        assertThat(back.withLinks("10.77.0.1:40001", Map.of()).serviceFactor()).isEqualTo(1.37);
        assertThat(back.withFrameBytes(Map.of()).serviceFactor()).isEqualTo(1.37);
    }

    @Test
    void aStatusFromAnOlderNodeHasNoLinks() throws Exception {
        String older =
                """
                {"node":"edge-1","subtask":0,"attempt":1,"timestamp":1000,"healthy":true,
                 "reason":"","device":"cpu","models":{},"queuedFrames":0,"load":0.1}
                """;

        NodeStatus s = NodeStatusCodec.fromJson(older.getBytes(StandardCharsets.UTF_8));

        assertThat(s.node()).isEqualTo("edge-1");
        assertThat(s.probe()).isNull();
        assertThat(s.links()).isNull();
        assertThat(s.sourceSubtask()).isNull();
        assertThat(s.frameBytes()).isNull();
        assertThat(s.serviceFactor()).isNull();
        assertThat(s.overloaded()).isNull();
    }

    @Test
    void theOverloadedFlagRoundTripsAndSurvivesTheOtherParts() throws Exception {
        NodeStatus s = status().withServiceFactor(1.2).withOverloaded(true);

        NodeStatus back = NodeStatusCodec.fromJson(NodeStatusCodec.toJson(s));

        assertThat(back.overloaded()).isTrue();
        assertThat(back.serviceFactor()).isEqualTo(1.2);
        assertThat(back.withServiceFactor(1.5).overloaded()).isTrue();
        assertThat(back.withLinks("10.77.0.1:40001", Map.of()).overloaded()).isTrue();
        assertThat(status().withOverloaded(false).overloaded()).isFalse();
    }

    @Test
    void frameSizesRoundTripAndSurviveTheOtherWithers() throws Exception {
        NodeStatus s =
                status().withFrameBytes(Map.of("t1", new NodeStatus.FrameBytes(75_321, 64, 990)));

        NodeStatus back = NodeStatusCodec.fromJson(NodeStatusCodec.toJson(s));

        assertThat(back.frameBytes())
                .containsExactlyEntriesOf(Map.of("t1", new NodeStatus.FrameBytes(75_321, 64, 990)));
        assertThat(back.withLinks("10.77.0.1:1", Map.of()).withSource(1, 2).frameBytes())
                .isEqualTo(back.frameBytes());
    }

    @Test
    void aNodeThatDoesNotProbeWritesNullsThatReadBack() throws Exception {
        NodeStatus back = NodeStatusCodec.fromJson(NodeStatusCodec.toJson(status()));
        assertThat(back.probe()).isNull();
        assertThat(back.links()).isNull();
        assertThat(back.models().get("m").latencyMicros()).containsExactly(5_000);
    }
}
