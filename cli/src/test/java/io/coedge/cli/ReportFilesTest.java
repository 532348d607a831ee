package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportFilesTest {

    @Test
    void writesTheTableAndTheChartUnderTheNameAndSaysWhere(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("bench");
        ReportFiles.write(out, "live", "a,b\n", "| a |\n", "<svg/>");
        assertThat(Files.readString(out.resolve("live.csv"))).isEqualTo("a,b\n");
        assertThat(Files.readString(out.resolve("live.md"))).isEqualTo("| a |\n");
        assertThat(Files.readString(out.resolve("live.svg"))).isEqualTo("<svg/>");
        assertThat(ReportFiles.wrote(out, "live"))
                .isEqualTo(
                        "coedge bench: wrote "
                                + out.resolve("live.csv")
                                + ", "
                                + out.resolve("live.md")
                                + " and "
                                + out.resolve("live.svg"));
    }
}
