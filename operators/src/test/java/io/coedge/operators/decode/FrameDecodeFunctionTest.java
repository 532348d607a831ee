package io.coedge.operators.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.CatalogText;
import io.coedge.format.DeadLetter;
import io.coedge.format.DecoderLimits;
import io.coedge.format.ErrorCode;
import io.coedge.format.Frame;
import io.coedge.format.FrameHeaders;
import io.coedge.format.RawRecord;
import io.coedge.testing.TestImages;
import java.awt.Color;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class FrameDecodeFunctionTest {
    static final CatalogText CATALOG =
            new CatalogText(
                    "t.yaml",
                    """
          nodes: [{id: edge-1, sidecar: "127.0.0.1:1"}]
          models: [{name: m, input: {width: 32, height: 32}, postprocess: {type: classification, labels: [a]}}]
          tasks: [{id: walkers, model: m, cameras: [cam-1], fps: 1, deadlineMs: 250, origin: edge-1}]
          """);

    private static RawRecord record(long offset, String task, byte[] value) {
        return new RawRecord(
                "coedge.frames",
                0,
                offset,
                "cam-1".getBytes(StandardCharsets.UTF_8),
                value,
                List.of(
                        new RawRecord.Header(
                                FrameHeaders.TASK, task.getBytes(StandardCharsets.UTF_8)),
                        new RawRecord.Header(
                                FrameHeaders.TIMESTAMP, "1000".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void goodFramesPassAndBadOnesBecomeDeadLettersWithoutStoppingTheStream() throws Exception {
        byte[] jpeg = TestImages.solid("jpg", 16, 16, Color.RED);
        FrameDecodeFunction fn = new FrameDecodeFunction(CATALOG, DecoderLimits.defaults(), true);
        try (var harness = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(fn))) {
            harness.open();
            harness.setProcessingTime(2000);

            harness.processElement(new StreamRecord<>(record(1, "walkers", jpeg)));
            harness.processElement(new StreamRecord<>(record(2, "parking", jpeg)));
            harness.processElement(
                    new StreamRecord<>(
                            record(3, "walkers", "text".getBytes(StandardCharsets.UTF_8))));
            harness.processElement(new StreamRecord<>(record(4, "walkers", jpeg)));

            List<Frame> frames = harness.extractOutputValues();
            assertThat(frames)
                    .extracting(Frame::id)
                    .containsExactly("coedge.frames/0@1", "coedge.frames/0@4");
            List<DeadLetter> dead =
                    harness.getSideOutput(FrameDecodeFunction.DEAD_LETTERS).stream()
                            .map(StreamRecord::getValue)
                            .toList();
            assertThat(dead)
                    .extracting(DeadLetter::source, DeadLetter::code)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(
                                    "coedge.frames/0@2", ErrorCode.UNKNOWN_TASK),
                            org.assertj.core.groups.Tuple.tuple(
                                    "coedge.frames/0@3", ErrorCode.NOT_AN_IMAGE));
            DeadLetter first = dead.get(0);
            assertThat(first.value()).isEqualTo(jpeg);
            assertThat(first.headersWithError())
                    .extracting(RawRecord.Header::key)
                    .containsExactly(
                            FrameHeaders.TASK,
                            FrameHeaders.TIMESTAMP,
                            FrameHeaders.ERROR,
                            FrameHeaders.ERROR_DETAIL);
        }
    }
}
