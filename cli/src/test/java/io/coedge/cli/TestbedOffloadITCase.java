package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogText;
import io.coedge.deploy.ClusterSpec;
import io.coedge.deploy.FlinkSession;
import io.coedge.deploy.LocalCluster;
import io.coedge.deploy.testbed.TestbedState;
import io.coedge.format.FrameResult;
import io.coedge.models.ModelGenerator;
import io.coedge.topics.TopicsConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On the testbed (root only: network namespaces, tc, cgroups) the bytes of a frame cross a shaped
 * link exactly where the scheduling model says: two tasks whose cameras sit on edge-1, a 2 Mbit/s
 * link edge-1 <-> edge-2, naive-global dispatch, and each node's sidecar serving one model only
 * (edge-1 the near task's, edge-2 the far task's), so the near task runs at its origin and the far
 * one across the link whatever the nodes measure (placing them by measured speed alone once put
 * both on edge-2 in a clean-clone CI run), and the cameras' producer run on edge-1 with {@code
 * --origin-node} semantics from {@code cluster exec} ($COEDGE_NODE), replaying noise JPEGs of about
 * 74 KB (scenes compress to under tbf's burst). A frame run on edge-2 waits from its dispatch (on
 * edge-1) to its inference start (on edge-2) at least the time its bytes take over the link; a
 * frame run on edge-1 pays no link: typically it starts well before one frame could have crossed.
 * Lower bounds set by the link's rate, not this CPU's speed. Every namespace, cgroup and process is
 * removed at the end.
 */
class TestbedOffloadITCase {
    private static final double MBPS = 2.0;
    private static final int FRAMES = 45;

    @Test
    void anOffloadedTasksFramesPayTheLinkAndLocalOnesDoNot(@TempDir Path dir) throws Exception {
        TestbedProcesses.assumeRoot();
        Path jar = TestbedProcesses.jobJar();
        // Each node serves one model only, so the placement is forced whatever the nodes measure:
        // the near task's model runs only at its origin, the far task's only across the link.
        Path models = dir.resolve("models");
        Path farModels = dir.resolve("models-edge-2");
        new ModelGenerator(7, ModelGenerator.Scale.TINY).generate("resnet", models);
        new ModelGenerator(7, ModelGenerator.Scale.TINY).generate("vgg", farModels);
        Path catalogFile = dir.resolve("testbed.yaml");
        Files.writeString(
                catalogFile,
                """
                nodes:
                  - {id: edge-1, sidecar: "127.0.0.1:8301"}
                  - {id: edge-2, sidecar: "127.0.0.1:8302"}
                models:
                  - name: resnet
                    maxBatch: 4
                    input: {name: input, width: 32, height: 32}
                    postprocess: {type: classification, topK: 1, labels: [a, b, c, d, e, f, g, h, i, j]}
                  - name: vgg
                    maxBatch: 4
                    input: {name: input, width: 32, height: 32}
                    postprocess: {type: classification, topK: 1, labels: [a, b, c, d, e, f, g, h, i, j]}
                tasks:
                  - {id: near, model: resnet, cameras: [cam-n], fps: 2, deadlineMs: 60000, origin: edge-1, frame: {width: 400, height: 300}}
                  - {id: far, model: vgg, cameras: [cam-f], fps: 1, deadlineMs: 60000, origin: edge-1, frame: {width: 400, height: 300}}
                links:
                  - {from: edge-1, to: edge-2, bandwidthMbps: %s, latencyMs: 0}
                  - {from: edge-2, to: edge-1, bandwidthMbps: %s, latencyMs: 0}
                """
                        .formatted(MBPS, MBPS));
        Catalog catalog = CatalogText.read(catalogFile).parse();
        Path images = TestbedProcesses.noiseImages(dir.resolve("images"));
        TopicsConfig topics = TopicsConfig.defaults();
        ClusterSpec spec =
                TestbedProcesses.spec(catalog, dir, models).nodeModels("edge-2", farModels).build();
        String run;
        List<String> lines = new ArrayList<>();
        try (LocalCluster cluster = TestbedProcesses.startTestbed(spec, catalogFile, catalog)) {
            TestbedState testbed = cluster.testbed();
            TestbedProcesses started = new TestbedProcesses(testbed);
            run = TestbedProcesses.run(testbed);
            String kafka = cluster.state().kafkaBootstrap();
            FlinkSession rest = cluster.session();
            String jobId = started.startJob(rest, jar, catalogFile, kafka, "naive-global");
            try {
                // The cameras' producer on their origin node, as `cluster exec edge-1 -- coedge
                // produce` runs it: COEDGE_NODE=edge-1, so its frames go to the partition read
                // there.
                Process produce =
                        started.coedge(
                                "edge-1",
                                kafka,
                                "produce",
                                "--config",
                                catalogFile.toString(),
                                "--count",
                                Integer.toString(FRAMES),
                                "--images",
                                images.toString(),
                                "--first-sequence",
                                "0");
                assertThat(produce.waitFor(5, TimeUnit.MINUTES)).isTrue();
                assertThat(produce.exitValue()).isZero();
                Process dump =
                        started.java(
                                "backbone",
                                TestbedKafkaReader.class.getName(),
                                "dump",
                                kafka,
                                topics.frames(),
                                Integer.toString(FRAMES),
                                topics.results(),
                                Integer.toString(FRAMES),
                                "180");
                try (BufferedReader out =
                        new BufferedReader(
                                new InputStreamReader(
                                        dump.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        lines.add(line);
                    }
                }
                assertThat(dump.waitFor(1, TimeUnit.MINUTES)).isTrue();
            } finally {
                started.close();
                rest.cancel(jobId);
            }
        }
        // Everything the testbed made is gone.
        TestbedProcesses.assertNamespacesGone(run);

        TestbedKafkaReader.Seen seen = new TestbedKafkaReader.Seen();
        for (String line : lines) {
            seen.take(line);
        }
        Map<String, Integer> bytes = seen.frames;
        List<FrameResult> results = seen.results;
        assertThat(bytes).hasSize(FRAMES);
        assertThat(results)
                .extracting(FrameResult::frameId)
                .containsExactlyInAnyOrderElementsOf(bytes.keySet());

        List<Double> offloaded = new ArrayList<>();
        List<Double> local = new ArrayList<>();
        double oneFrameMs = 0;
        for (FrameResult r : results) {
            assertThat(r.origin()).isEqualTo("edge-1");
            if (r.inferenceStartTs() == null || r.dispatchTs() == null) {
                continue;
            }
            double waitedMs = r.inferenceStartTs() - r.dispatchTs();
            // What the frame's bytes take over the link beyond tbf's 16 KiB burst.
            double linkMs = Math.max(0, bytes.get(r.frameId()) - 16 * 1024) * 8 / (MBPS * 1e3);
            oneFrameMs = Math.max(oneFrameMs, linkMs);
            System.out.printf(
                    "TestbedOffloadITCase: %s on %s, %d bytes, dispatch -> start %.0f ms (link %.0f ms)%n",
                    r.frameId(), r.node(), bytes.get(r.frameId()), waitedMs, linkMs);
            if (r.node().equals("edge-2")) {
                offloaded.add(waitedMs);
                assertThat(waitedMs)
                        .as("an offloaded frame waits at least its transfer: %s", r.frameId())
                        .isGreaterThanOrEqualTo(0.9 * linkMs);
            } else {
                local.add(waitedMs);
            }
        }
        local.sort(Double::compare);
        offloaded.sort(Double::compare);
        System.out.printf(
                "TestbedOffloadITCase: %d offloaded (median %.0f ms), %d local (median %.0f ms),"
                        + " one frame over the link >= %.0f ms%n",
                offloaded.size(),
                offloaded.isEmpty() ? 0 : offloaded.get(offloaded.size() / 2),
                local.size(),
                local.isEmpty() ? 0 : local.get(local.size() / 2),
                oneFrameMs);
        assertThat(offloaded).hasSizeGreaterThanOrEqualTo(5);
        assertThat(local).hasSizeGreaterThanOrEqualTo(5);
        // Local frames pay no link: the typical one starts before one frame could have crossed.
        assertThat(local.get(local.size() / 2)).isLessThan(oneFrameMs * 0.9);
    }
}
