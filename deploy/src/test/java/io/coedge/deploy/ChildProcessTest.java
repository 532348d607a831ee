package io.coedge.deploy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Child processes that exit early say why: their output and, for Flink's, their log file. */
class ChildProcessTest {

    @Test
    void aProcessThatExitsEarlyIsReportedWithItsOutputAndTheTailOfItsDetailLog(@TempDir Path dir)
            throws Exception {
        Path detail = dir.resolve("p.log");
        Files.writeString(detail, "starting\nERROR could not bind 127.0.0.1:6123\n");
        ChildProcess p =
                ChildProcess.start(
                        "p",
                        List.of("/bin/sh", "-c", "echo out-line; exit 3"),
                        null,
                        false,
                        Map.of(),
                        dir.resolve("p.out"));
        p.detailLog(detail);
        p.process.waitFor();

        assertThatThrownBy(p::checkAlive)
                .hasMessageContaining("p exited with code 3")
                .hasMessageContaining("out-line")
                .hasMessageContaining("log " + detail)
                .hasMessageContaining("ERROR could not bind 127.0.0.1:6123");
    }

    @Test
    void withoutADetailLogOnlyTheOutputIsQuoted(@TempDir Path dir) throws Exception {
        ChildProcess p =
                ChildProcess.start(
                        "q",
                        List.of("/bin/sh", "-c", "echo only-output; exit 1"),
                        null,
                        false,
                        Map.of(),
                        dir.resolve("q.out"));
        p.process.waitFor();

        assertThatThrownBy(p::checkAlive)
                .hasMessageContaining("q exited with code 1")
                .hasMessageContaining("only-output")
                .hasMessageNotContaining("q.log");
    }
}
