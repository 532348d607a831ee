package io.coedge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LaunchClasspathTest {

    @Test
    void flinkProcessesGetEverythingButTheKafkaConnectorWhichTheJobJarBrings() {
        List<String> launcher =
                List.of(
                        "/m2/org/apache/flink/flink-runtime/2.2.0/flink-runtime-2.2.0.jar",
                        "/m2/org/apache/flink/flink-connector-kafka/5.0.0-2.2/flink-connector-kafka-5.0.0-2.2.jar",
                        "/m2/org/apache/flink/flink-connector-base/2.2.0/flink-connector-base-2.2.0.jar",
                        "/work/jobs/target/coedge-jobs.jar");
        assertThat(LaunchClasspath.forFlink(launcher))
                .containsExactly(
                        "/m2/org/apache/flink/flink-runtime/2.2.0/flink-runtime-2.2.0.jar",
                        "/m2/org/apache/flink/flink-connector-base/2.2.0/flink-connector-base-2.2.0.jar",
                        "/work/jobs/target/coedge-jobs.jar");
    }

    @Test
    void currentClasspathIsAbsoluteAndHoldsThisModule() {
        List<String> cp = LaunchClasspath.current();
        assertThat(cp).allMatch(e -> java.nio.file.Path.of(e).isAbsolute());
        assertThat(cp).anyMatch(e -> e.contains("picocli"));
    }
}
