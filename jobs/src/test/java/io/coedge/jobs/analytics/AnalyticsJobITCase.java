package io.coedge.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.coedge.format.FrameResult;
import io.coedge.format.FrameResult.Detection;
import io.coedge.format.FrameResult.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

/** The analytics graph on a bounded stream of results, on a local Flink runtime. */
class AnalyticsJobITCase {

    private static FrameResult result(
            String camera,
            String task,
            Status status,
            long emit,
            long latency,
            List<Detection> detections) {
        boolean ran = status == Status.OK || status == Status.LATE;
        return new FrameResult(
                camera + "#" + emit,
                camera,
                emit,
                "f/0@" + emit,
                task,
                "m",
                "n",
                "n",
                ran ? 2 : 0,
                status,
                ran ? null : "why",
                emit - latency,
                null,
                ran ? emit - 5 : null,
                ran ? emit - 1 : null,
                emit,
                latency,
                emit - latency + 300,
                300,
                status == Status.OK,
                detections,
                null);
    }

    private static Detection car() {
        return new Detection("car", 2, 0.9, 0, 0, 1, 1);
    }

    private static Detection person() {
        return new Detection("person", 0, 0.8, 0, 0, 1, 1);
    }

    @Test
    void taskWindowsCarryMissRateAndPercentilesAndCamerasCountObjects() throws Exception {
        List<FrameResult> input =
                List.of(
                        result("cam-1", "vehicles", Status.OK, 1_000, 100, List.of(car(), car())),
                        result("cam-1", "vehicles", Status.LATE, 2_000, 400, List.of(car())),
                        result("cam-2", "vehicles", Status.DROPPED, 3_000, 20, null),
                        result("cam-2", "vehicles", Status.OK, 4_000, 200, List.of(person())),
                        result("cam-1", "vehicles", Status.OK, 12_000, 50, List.of()));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        DataStream<FrameResult> results = env.fromData(input);

        List<Map<?, ?>> out = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper();
        try (CloseableIterator<String> it =
                new AnalyticsJob(Duration.ofSeconds(10), Duration.ofSeconds(60))
                        .build(results)
                        .executeAndCollect()) {
            it.forEachRemaining(
                    s -> {
                        try {
                            out.add(mapper.readValue(s, Map.class));
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    });
        }

        assertThat(out)
                .filteredOn(m -> m.get("kind").equals("task-window"))
                .extracting(
                        m ->
                                m.get("windowStart")
                                        + " "
                                        + m.get("frames")
                                        + " "
                                        + m.get("missRate")
                                        + " "
                                        + m.get("p50Ms")
                                        + " "
                                        + m.get("p99Ms"))
                .containsExactlyInAnyOrder("0 4 0.5 100 400", "10000 1 0.0 50 50");
        assertThat(out)
                .filteredOn(m -> m.get("kind").equals("camera-objects"))
                .extracting(m -> m.get("camera") + " " + m.get("frames") + " " + m.get("objects"))
                .containsExactlyInAnyOrder("cam-1 3 {car=3}", "cam-2 1 {person=1}");
    }
}
