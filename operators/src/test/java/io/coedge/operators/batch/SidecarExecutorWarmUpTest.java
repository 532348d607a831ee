package io.coedge.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogLoader;
import io.coedge.catalog.CatalogText;
import io.coedge.operators.pre.PreprocessWarmUp;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The node warms its pre-processing when its executor starts, whether or not its sidecar answers
 * yet (here nothing listens at the sidecar's address).
 */
class SidecarExecutorWarmUpTest {

    private static final String YAML =
            """
            nodes: [{id: edge-1}]
            models:
              - name: big
                maxBatch: 4
                input: {name: images, width: 64, height: 64}
                preprocess: {resize: letterbox}
                postprocess: {type: classification, labels: [a]}
              - name: small
                maxBatch: 4
                input: {name: input, width: 32, height: 32}
                preprocess: {resize: stretch}
                postprocess: {type: classification, labels: [a]}
              - name: unused
                maxBatch: 4
                input: {name: input, width: 32, height: 32}
                postprocess: {type: classification, labels: [a]}
            tasks:
              - {id: b1, model: big, cameras: [c1], fps: 1, deadlineMs: 1000, origin: edge-1, frame: {width: 320, height: 180}}
              - {id: b2, model: big, cameras: [c2], fps: 1, deadlineMs: 1000, origin: edge-1, frame: {width: 160, height: 120}}
              - {id: b3, model: big, cameras: [c3], fps: 1, deadlineMs: 1000, origin: edge-1, frame: {width: 320, height: 180}}
              - {id: s1, model: small, cameras: [c4], fps: 1, deadlineMs: 1000, origin: edge-1, frame: {width: 96, height: 64}}
              - {id: s2, model: small, cameras: [c5], fps: 1, deadlineMs: 1000, origin: edge-1, frame: {width: 7680, height: 4320}}
            """;

    private static SidecarExecutor executor(String yaml) throws Exception {
        Catalog catalog = CatalogLoader.parse("warm.yaml", yaml);
        BatcherConfig config =
                BatcherConfig.defaults(new CatalogText("warm.yaml", yaml), "coedge", false);
        return new SidecarExecutor(
                new InferenceExecutor.Context(
                        catalog,
                        config,
                        "edge-1",
                        "127.0.0.1:1",
                        "coedge-test-warm-" + ProcessHandle.current().pid(),
                        2));
    }

    @Test
    void eachModelIsWarmedAtEveryFrameSizeItsTasksSendOnceEachUpTo4k() throws Exception {
        SidecarExecutor executor = executor(YAML);
        try {
            List<PreprocessWarmUp.Result> results = executor.warmedUp().get(60, TimeUnit.SECONDS);

            assertThat(results)
                    .extracting(r -> r.model() + " " + r.width() + "x" + r.height())
                    .containsExactly("big 320x180", "big 160x120", "small 96x64");
            assertThat(results)
                    .allSatisfy(
                            r -> {
                                assertThat(r.runs()).isEqualTo(PreprocessWarmUp.runsForNode());
                                assertThat(r.error()).isNull();
                            });
        } finally {
            executor.close();
        }
    }

    @Test
    void noRunsPerSizeTurnTheWarmUpOff() throws Exception {
        System.setProperty(PreprocessWarmUp.RUNS_PROPERTY, "0");
        SidecarExecutor executor;
        try {
            executor = executor(YAML);
        } finally {
            System.clearProperty(PreprocessWarmUp.RUNS_PROPERTY);
        }
        try {
            assertThat(executor.warmedUp().get(10, TimeUnit.SECONDS)).isEmpty();
        } finally {
            executor.close();
        }
    }
}
