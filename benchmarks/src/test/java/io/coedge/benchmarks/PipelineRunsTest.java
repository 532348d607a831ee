package io.coedge.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.format.FrameResult;
import io.coedge.format.FrameResult.Status;
import org.junit.jupiter.api.Test;

/** The one overhead rule both pipeline benches read results with. */
class PipelineRunsTest {

    private static FrameResult result(Status status, Long dispatch, Long inferenceEnd) {
        return new FrameResult(
                "cam#1",
                "cam",
                1L,
                "f/0@1",
                "t",
                "m",
                "edge-1",
                "edge-1",
                1,
                status,
                null,
                1_000,
                dispatch,
                dispatch == null ? null : dispatch + 5,
                inferenceEnd,
                1_100,
                100,
                2_000,
                1_000,
                status == Status.OK,
                null,
                null);
    }

    @Test
    void overheadIsCaptureToDispatchPlusInferenceEndToEmit() {
        // capture 1000 -> dispatch 1004: 4 ms; inference end 1090 -> emit 1100: 10 ms.
        assertThat(PipelineRuns.overheadMs(result(Status.OK, 1_004L, 1_090L))).isEqualTo(14L);
    }

    @Test
    void aFrameThatWasNotInferredHasNone() {
        assertThat(PipelineRuns.overheadMs(result(Status.DROPPED, 1_004L, null))).isNull();
        assertThat(PipelineRuns.overheadMs(result(Status.LATE, 1_004L, 1_090L))).isNull();
        assertThat(PipelineRuns.overheadMs(result(Status.OK, null, null))).isNull();
    }
}
