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

    /** Runs a shell script as a child process, its output to {@code <name>.out}, to its end. */
    private static ChildProcess exited(Path dir, String name, String script) throws Exception {
        ChildProcess p =
                ChildProcess.start(
                        name,
                        List.of("/bin/sh", "-c", script),
                        null,
                        false,
                        Map.of(),
                        dir.resolve(name + ".out"));
        p.process.waitFor();
        return p;
    }

    @Test
    void aProcessThatExitsEarlyIsReportedWithItsOutputAndTheTailOfItsDetailLog(@TempDir Path dir)
            throws Exception {
        Path detail = dir.resolve("p.log");
        Files.writeString(detail, "starting\nERROR could not bind 127.0.0.1:6123\n");
        ChildProcess p = exited(dir, "p", "echo out-line; exit 3");
        p.detailLog(detail);

        assertThatThrownBy(p::checkAlive)
                .hasMessageContaining("p exited with code 3")
                .hasMessageContaining("out-line")
                .hasMessageContaining("log " + detail)
                .hasMessageContaining("ERROR could not bind 127.0.0.1:6123");
    }

    @Test
    void withoutADetailLogOnlyTheOutputIsQuoted(@TempDir Path dir) throws Exception {
        ChildProcess p = exited(dir, "q", "echo only-output; exit 1");

        assertThatThrownBy(p::checkAlive)
                .hasMessageContaining("q exited with code 1")
                .hasMessageContaining("only-output")
                .hasMessageNotContaining("q.log");
    }
}
