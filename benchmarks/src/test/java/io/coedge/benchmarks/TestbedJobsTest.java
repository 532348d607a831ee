package io.coedge.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coedge.catalog.CatalogText;
import io.coedge.deploy.JobArguments;
import io.coedge.topics.TopicsConfig;
import java.io.BufferedReader;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestbedJobsTest {

    @Test
    void jobArgumentsNameTheCatalogThePairTheRunsTopicsAndTheJob() {
        List<String> args =
                TestbedJobs.jobArgs(
                        "/w/c.yaml",
                        "10.0.0.1:9092",
                        "coedge",
                        "fixed",
                        TopicsConfig.prefixed("sweep3", 2),
                        "coedge-sweep-3");
        assertThat(args)
                .containsExactly(
                        "--config",
                        "/w/c.yaml",
                        "--bootstrap",
                        "10.0.0.1:9092",
                        "--dispatch",
                        "coedge",
                        "--batch",
                        "fixed",
                        "--frames-topic",
                        "sweep3.frames",
                        "--results-topic",
                        "sweep3.results",
                        "--dlq-topic",
                        "sweep3.dlq",
                        "--profiles-topic",
                        "sweep3.profiles",
                        "--partitions",
                        "2",
                        "--checkpoint-ms",
                        "1000",
                        "--name",
                        "coedge-sweep-3");
        for (int i = 0; i < args.size(); i += 2) {
            assertThat(JobArguments.NAMES).contains(args.get(i));
        }
    }

    @Test
    void camerasRunOnceAtEachOriginNodeInTaskOrder() throws Exception {
        var catalog =
                new CatalogText(
                                "c.yaml",
                                """
                nodes:
                  - {id: a, sidecar: "127.0.0.1:8201"}
                  - {id: b, sidecar: "127.0.0.1:8202"}
                models:
                  - {name: m, input: {name: input, width: 32, height: 32}, postprocess: {type: classification, labels: [x]}}
                tasks:
                  - {id: T, model: m, cameras: [c1], fps: 4, deadlineMs: 500, origin: b}
                  - {id: U, model: m, cameras: [c2], fps: 2, deadlineMs: 500, origin: a}
                  - {id: V, model: m, cameras: [c3], fps: 2, deadlineMs: 500, origin: b}
                """)
                        .parse();
        assertThat(TestbedJobs.origins(catalog)).containsExactly("b", "a");
    }

    @Test
    void theProbeMustReportTheExpectedWordElseItsLineOrItsEndIsTold() throws Exception {
        TestbedJobs.Probe probe = probe("topics\nhealthy\n");
        probe.expect("topics");
        probe.expect("healthy");
        assertThatThrownBy(() -> probe.expect("end"))
                .hasMessage("the Kafka probe in the backbone did not report 'end' (got its end)");
        assertThatThrownBy(() -> probe("oops\n").expect("topics"))
                .hasMessage("the Kafka probe in the backbone did not report 'topics' (got 'oops')");
    }

    @Test
    void doneTellsTheProbeThatTheCamerasHaveEnded() throws Exception {
        StringWriter in = new StringWriter();
        new TestbedJobs.Probe(null, new BufferedReader(new StringReader("")), in).done();
        assertThat(in.toString()).isEqualTo("done\n");
    }

    private static TestbedJobs.Probe probe(String lines) {
        return new TestbedJobs.Probe(
                null, new BufferedReader(new StringReader(lines)), new StringWriter());
    }
}
