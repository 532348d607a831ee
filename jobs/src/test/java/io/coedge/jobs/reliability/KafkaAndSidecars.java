package io.coedge.jobs.reliability;

import io.coedge.testing.TestKafka;
import io.coedge.testing.TestSidecars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test Kafka and a sidecar per node serving the generated models (seed 7), shared by the tests of
 * one class: register it as a static {@code @RegisterExtension} field. Everything it starts or
 * writes is gone after the class.
 */
final class KafkaAndSidecars implements BeforeAllCallback, AfterAllCallback {
    private final List<String> nodes;
    private Path dir;
    private TestKafka kafka;
    private TestSidecars sidecars;

    KafkaAndSidecars(List<String> nodes) {
        this.nodes = nodes;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("coedge-" + context.getDisplayName());
        kafka = TestKafka.start();
        sidecars = TestSidecars.generated(dir, 7, nodes);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (sidecars != null) {
                sidecars.close();
            }
        } finally {
            try {
                if (kafka != null) {
                    kafka.close();
                }
            } finally {
                if (dir != null) {
                    try (Stream<Path> files = Files.walk(dir)) {
                        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
        }
    }

    TestKafka kafka() {
        return kafka;
    }

    TestSidecars sidecars() {
        return sidecars;
    }
}
