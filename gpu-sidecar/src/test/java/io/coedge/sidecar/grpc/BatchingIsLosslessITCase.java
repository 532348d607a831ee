package io.coedge.sidecar.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.models.ModelGenerator;
import io.coedge.oip.InferRequest;
import io.coedge.oip.InferResult;
import io.coedge.sidecar.testutils.Frames;
import io.coedge.sidecar.testutils.RunningSidecar;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * "No accuracy loss from batching": for every generated model at its demo size, each frame of a
 * batch gets the same answer as when sent alone (max abs difference at most 1e-5).
 */
class BatchingIsLosslessITCase {
    private static final int BATCH = 4;

    @TempDir static Path repo;
    static List<ModelGenerator.GeneratedModel> models;
    static RunningSidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        models = new ModelGenerator(42, ModelGenerator.Scale.FULL).generateAll(repo);
        sidecar = RunningSidecar.start(repo, b -> b.warmUpRuns(0));
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"yolo-big", "yolo-small", "vgg", "resnet"})
    void batchedOutputEqualsOneAtATimeOutput(String name) throws Exception {
        var m = models.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        float[] frames = Frames.random(m, BATCH, 99);
        InferResult batched =
                sidecar.client
                        .infer(
                                InferRequest.builder(name)
                                        .input(Frames.input(m, BATCH, frames))
                                        .build())
                        .get(120, TimeUnit.SECONDS);
        float[] all = batched.output(m.outputName()).toFloatArray();
        for (int i = 0; i < BATCH; i++) {
            InferResult single =
                    sidecar.client
                            .infer(
                                    InferRequest.builder(name)
                                            .input(
                                                    Frames.input(
                                                            m, 1, Frames.slice(frames, i, BATCH)))
                                            .build())
                            .get(120, TimeUnit.SECONDS);
            float[] alone = single.output(m.outputName()).toFloatArray();
            assertThat(Frames.maxAbsDiff(Frames.slice(all, i, BATCH), alone))
                    .as("%s frame %d", name, i)
                    .isLessThanOrEqualTo(1e-5f);
        }
    }
}
