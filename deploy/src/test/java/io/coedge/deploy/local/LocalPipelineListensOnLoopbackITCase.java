package io.coedge.deploy.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.CatalogText;
import io.coedge.jobs.CoEdgeJob;
import io.coedge.kafka.topics.TopicAdmin;
import io.coedge.models.ModelGenerator;
import io.coedge.testing.TestCatalogs;
import io.coedge.testing.TestKafka;
import io.coedge.testing.TestSidecars;
import io.coedge.topics.KafkaClients;
import io.coedge.topics.TopicsConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local pipeline of {@code coedge run} and {@code coedge demo} listens on 127.0.0.1 only:
 * Flink's REST endpoint, its BLOB server and RPC (issue 17: the BLOB server listened on every
 * interface). Listening sockets are read from {@code /proc}: those of this JVM are the ones whose
 * inode is among its open file descriptors.
 */
class LocalPipelineListensOnLoopbackITCase {
    private static final String LISTEN = "0A";

    @Test
    void everyServerOfTheLocalPipelineListensOnLoopbackOnly(@TempDir Path dir) throws Exception {
        Path models = dir.resolve("models");
        new ModelGenerator(7, ModelGenerator.Scale.TINY).generate("resnet", models);
        CatalogText catalog =
                new CatalogText(
                        "loopback.yaml",
                        TestCatalogs.threeNodesResnet(
                                1,
                                2,
                                3,
                                "- {id: walkers, model: resnet, cameras: [cam-1], fps: 5, deadlineMs: 5000,"
                                        + " origin: edge-1, frame: {width: 64, height: 48}}"));
        TopicsConfig topics =
                new TopicsConfig("lb.frames", "lb.results", "lb.dlq", "lb.profiles", 3);
        try (TestKafka kafka = TestKafka.start();
                TestSidecars sidecars =
                        new TestSidecars(models, List.of("edge-1", "edge-2", "edge-3"))) {
            TopicAdmin.createAll(kafka.clientProperties(), topics);
            List<String> before = listeningAddresses();
            try (LocalPipeline pipeline =
                    LocalPipeline.start(
                            catalog,
                            KafkaClients.resolve(kafka.bootstrap(), null),
                            topics,
                            "coedge",
                            "coedge",
                            CoEdgeJob.Delivery.EXACTLY_ONCE,
                            sidecars.addresses(),
                            models,
                            dir.resolve("work"),
                            freePort(),
                            0,
                            progress -> {})) {
                List<String> opened = new ArrayList<>(listeningAddresses());
                opened.removeAll(before);
                // The REST endpoint and the BLOB server at least.
                assertThat(opened).hasSizeGreaterThanOrEqualTo(2);
                assertThat(opened)
                        .as("addresses this JVM listens on (hex, as in /proc/net/tcp*)")
                        .allMatch(LocalPipelineListensOnLoopbackITCase::isLoopback);
            }
        }
    }

    /** Local addresses (hex, as /proc/net/tcp* writes them) of the sockets this JVM listens on. */
    private static List<String> listeningAddresses() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException gone) {
                    // closed between list and read
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path file = Path.of(table);
            if (!Files.exists(file)) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f[3].equals(LISTEN) && inodes.contains(f[9])) {
                    out.add(f[1]);
                }
            }
        }
        return out;
    }

    /** 127.0.0.1, ::ffff:127.0.0.1 or ::1, with any port. */
    static boolean isLoopback(String hexAddress) {
        String host = hexAddress.substring(0, hexAddress.indexOf(':'));
        return host.equals("0100007F")
                || host.equals("0000000000000000FFFF00000100007F")
                || host.equals("00000000000000000000000001000000");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
