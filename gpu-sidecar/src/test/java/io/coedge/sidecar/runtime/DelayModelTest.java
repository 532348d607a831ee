package io.coedge.sidecar.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.coedge.sidecar.repository.Datatype;
import io.coedge.sidecar.repository.ModelRepository;
import io.coedge.sidecar.repository.ServedModel;
import io.coedge.sidecar.repository.TensorSpec;
import io.coedge.sidecar.testutils.DelayModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The delay runtime on its own: spec from config.pbtxt, execution time, outputs, stop, bad configs.
 */
class DelayModelTest {
    private static final Device CPU = new Device("cpu", "cpu", Optional.empty());

    @TempDir Path repo;

    @Test
    void servedFromItsConfigWithoutAModelFile() throws Exception {
        DelayModels.write(repo, "delay", new long[] {2, 3}, 4, 1000, 500, 3);
        try (ModelRegistry registry = ModelRegistry.load(ModelRepository.open(repo), CPU, 1)) {
            ServedModel spec = registry.instances().get(0).spec();
            assertThat(spec.platform()).isEqualTo("coedge_delay");
            assertThat(spec.maxBatchSize()).isEqualTo(4);
            assertThat(spec.inputs())
                    .containsExactly(new TensorSpec("input", Datatype.FP32, new long[] {2, 3}));
            assertThat(spec.outputs())
                    .containsExactly(new TensorSpec("output", Datatype.FP32, new long[] {2, 3}));
            assertThat(spec.maxQueueSize()).isEqualTo(3);
            assertThat(Files.list(repo.resolve("delay/1"))).as("no model file").isEmpty();
        }
    }

    @Test
    void executionTakesAtLeastTheSetDelayAndCopiesTheInputOrGivesZeros() throws Exception {
        Files.createDirectories(repo.resolve("mixed/1"));
        Files.writeString(
                repo.resolve("mixed/config.pbtxt"),
                """
                backend: "coedge_delay"
                max_batch_size: 2
                input [ { name: "a" data_type: TYPE_FP32 dims: [ 4 ] }, { name: "b" data_type: TYPE_INT64 dims: [ 2 ] } ]
                output [ { name: "same" data_type: TYPE_FP32 dims: [ 4 ] },
                         { name: "other" data_type: TYPE_INT32 dims: [ 3 ] },
                         { name: "b_copy" data_type: TYPE_INT64 dims: [ 2 ] } ]
                parameters { key: "execute_delay_us" value { string_value: "20000" } }
                parameters { key: "execute_delay_per_item_us" value { string_value: "10000" } }
                """);
        try (ModelRegistry registry = ModelRegistry.load(ModelRepository.open(repo), CPU, 1)) {
            ModelInstance m = registry.instances().get(0);
            ByteBuffer a = ByteBuffer.allocate(2 * 4 * 4).order(ByteOrder.nativeOrder());
            for (int i = 0; i < 8; i++) {
                a.putFloat(i * 4, i + 0.5f);
            }
            ByteBuffer b = ByteBuffer.allocate(2 * 2 * 8).order(ByteOrder.nativeOrder());
            for (int i = 0; i < 4; i++) {
                b.putLong(i * 8, 1000L + i);
            }
            List<ModelInstance.Input> inputs =
                    List.of(
                            new ModelInstance.Input("a", Datatype.FP32, new long[] {2, 4}, a),
                            new ModelInstance.Input("b", Datatype.INT64, new long[] {2, 2}, b));
            long start = System.nanoTime();
            List<ModelInstance.Output> out;
            try (ModelInstance.Execution execution = m.newExecution()) {
                out = m.run(inputs, List.of(), execution);
            }
            long elapsed = System.nanoTime() - start;
            assertThat(elapsed)
                    .as("20 ms + 2 x 10 ms")
                    .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(40));
            assertThat(out)
                    .extracting(ModelInstance.Output::name)
                    .containsExactly("same", "other", "b_copy");
            assertThat(out.get(0).shape()).containsExactly(2, 4);
            assertThat(out.get(0).data().toByteArray()).isEqualTo(a.array());
            assertThat(out.get(1).datatype()).isEqualTo(Datatype.INT32);
            assertThat(out.get(1).shape()).containsExactly(2, 3);
            assertThat(out.get(1).data().toByteArray()).containsOnly(0).hasSize(2 * 3 * 4);
            assertThat(out.get(2).data().toByteArray()).isEqualTo(b.array());
            // Only the outputs asked for; one written into a caller's direct buffer (shared
            // memory), as ONNX Runtime does.
            ByteBuffer target = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder());
            target.putFloat(0, -1f);
            List<ModelInstance.Output> some =
                    m.run(inputs, List.of("same", "other"), Map.of("same", target), null);
            assertThat(some)
                    .extracting(ModelInstance.Output::name)
                    .containsExactly("same", "other");
            assertThat(some.get(0).data().isEmpty()).isTrue();
            byte[] written = new byte[32];
            target.get(0, written);
            assertThat(written).isEqualTo(a.array());
        }
    }

    @Test
    void warmUpMeasuresAtLeastTheSetDelayAtEveryBatchSize() throws Exception {
        var model = DelayModels.write(repo, "timed", new long[] {4}, 4, 5_000, 2_000, 0);
        try (ModelRegistry registry = ModelRegistry.load(ModelRepository.open(repo), CPU, 1)) {
            registry.warmUp(2);
            ModelInstance m = registry.instances().get(0);
            assertThat(m.ready()).isTrue();
            assertThat(m.profile().snapshot()).containsOnlyKeys(1, 2, 4);
            m.profile()
                    .snapshot()
                    .forEach(
                            (batch, p99) ->
                                    assertThat(p99)
                                            .as("batch %d", batch)
                                            .isGreaterThanOrEqualTo(model.delayNanos(batch)));
            assertThat(m.profile().estimateNanos(3)).isGreaterThanOrEqualTo(model.delayNanos(2));
        }
    }

    @Test
    void terminateEndsTheWaitAndFailsTheExecution() throws Exception {
        DelayModels.write(repo, "hour", new long[] {1}, 0, 3_600_000_000L, 0, 0);
        try (ModelRegistry registry = ModelRegistry.load(ModelRepository.open(repo), CPU, 1)) {
            ModelInstance m = registry.instances().get(0);
            ModelInstance.Execution execution = m.newExecution();
            var input =
                    new ModelInstance.Input(
                            "input", Datatype.FP32, new long[] {1}, ByteBuffer.allocate(4));
            AtomicReference<Thread> runner = new AtomicReference<>();
            ExecutorService one =
                    Executors.newSingleThreadExecutor(
                            r -> {
                                Thread t = new Thread(r, "delay-model-run");
                                t.setDaemon(true);
                                runner.set(t);
                                return t;
                            });
            try {
                CompletableFuture<List<ModelInstance.Output>> run =
                        CompletableFuture.supplyAsync(() -> uncheckedRun(m, input, execution), one);
                // Terminate while the run waits out its delay, however long starting it took on
                // this machine.
                await("the run waits out its delay")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(1))
                        .dontCatchUncaughtExceptions()
                        .until(() -> waitingOutItsDelay(runner.get()));
                execution.terminate();
                // An hour's delay, ended long before: the generous bound only keeps a broken stop
                // from hanging the build.
                assertThatThrownBy(() -> run.get(60, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(CancellationException.class);
            } finally {
                one.shutdownNow();
            }
            execution.close();
        }
    }

    /** The thread is parked in the delay runtime's wait (Execution.waitUntil). */
    private static boolean waitingOutItsDelay(Thread t) {
        return t != null
                && t.getState() == Thread.State.TIMED_WAITING
                && Arrays.stream(t.getStackTrace())
                        .anyMatch(
                                f ->
                                        f.getClassName()
                                                        .equals(
                                                                ModelInstance.Execution.class
                                                                        .getName())
                                                && f.getMethodName().equals("waitUntil"));
    }

    @Test
    void badConfigsAreReportedAndTheModelIsNotServed() throws Exception {
        Map<String, String> configs =
                Map.of(
                        "no-input", "output [ { name: \"o\" data_type: TYPE_FP32 dims: [ 1 ] } ]",
                        "typo",
                                "input [ { name: \"i\" data_type: TYPE_FP32 dims: [ 1 ] } ]\n"
                                        + "output [ { name: \"o\" data_type: TYPE_FP32 dims: [ 1 ] } ]\n"
                                        + "parameters { key: \"execute_delay_ms\" value { string_value: \"5\" } }",
                        "negative",
                                "input [ { name: \"i\" data_type: TYPE_FP32 dims: [ 1 ] } ]\n"
                                        + "output [ { name: \"o\" data_type: TYPE_FP32 dims: [ 1 ] } ]\n"
                                        + "parameters { key: \"execute_delay_us\" value { string_value: \"-5\" } }",
                        "shapeless",
                                "input [ { name: \"i\" data_type: TYPE_FP32 dims: [ 1 ] } ]\n"
                                        + "output [ { name: \"o\" data_type: TYPE_FP32 dims: [ -1 ] } ]");
        for (var c : configs.entrySet()) {
            Files.createDirectories(repo.resolve(c.getKey()).resolve("1"));
            Files.writeString(
                    repo.resolve(c.getKey()).resolve("config.pbtxt"),
                    "backend: \"coedge_delay\"\n" + c.getValue());
        }
        Files.createDirectories(repo.resolve("both/1"));
        Files.writeString(
                repo.resolve("both/config.pbtxt"),
                "platform: \"onnxruntime_onnx\"\nbackend: \"coedge_delay\"\n");
        try (ModelRegistry registry = ModelRegistry.load(ModelRepository.open(repo), CPU, 1)) {
            assertThat(registry.instances()).isEmpty();
            assertThat(failure(registry, "no-input"))
                    .isEqualTo(
                            "model 'no-input': a coedge_delay model declares its"
                                    + " inputs and outputs in config.pbtxt (at least one of each)");
            assertThat(failure(registry, "typo"))
                    .isEqualTo(
                            "model 'typo': unknown parameter 'execute_delay_ms' for"
                                    + " backend coedge_delay; it reads execute_delay_us and execute_delay_per_item_us");
            assertThat(failure(registry, "negative"))
                    .isEqualTo(
                            "model 'negative': parameter execute_delay_us must be"
                                    + " a whole number of microseconds from 0 to 3600000000, got '-5'");
            assertThat(failure(registry, "shapeless"))
                    .isEqualTo(
                            "model 'shapeless': output 'o' has variable dims [-1]"
                                    + " and no input of the same datatype and dims to copy its shape from");
            assertThat(registry.model("both").orElseThrow().failure())
                    .hasValue(
                            "config.pbtxt of model 'both': backend 'coedge_delay' runs no model file; leave platform out");
        }
    }

    private static String failure(ModelRegistry registry, String model) {
        return registry.model(model).orElseThrow().versions().get(1L).failure().orElseThrow();
    }

    private static List<ModelInstance.Output> uncheckedRun(
            ModelInstance m, ModelInstance.Input input, ModelInstance.Execution execution) {
        try {
            return m.run(List.of(input), List.of(), execution);
        } catch (ai.onnxruntime.OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
