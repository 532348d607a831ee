package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ClusterCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = ClusterCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void everySubcommandExplainsItselfWithHelp() {
        for (String sub : new String[] {"up", "down", "submit", "status", "cancel"}) {
            assertThat(run(sub, "--help")).as(sub).isZero();
        }
        assertThat(out.toString())
                .contains("--config", "--nodes", "--models", "--kafka", "--jar", "--rest-port");
    }

    @Test
    void upRefusesAPortInUseAndNamesIt(@TempDir Path dir) throws Exception {
        Path catalog = dir.resolve("c.yaml");
        Files.writeString(
                catalog,
                """
        nodes:
          - {id: edge-1, sidecar: "127.0.0.1:1"}
        models:
          - {name: resnet, input: {name: input, width: 32, height: 32}, postprocess: {type: classification, labels: [a, b]}}
        tasks:
          - {id: t, model: resnet, cameras: [c], fps: 1, deadlineMs: 100, origin: edge-1}
        """);
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int code =
                    run(
                            "up",
                            "--dir",
                            dir.resolve("cluster").toString(),
                            "--config",
                            catalog.toString(),
                            "--rest-port",
                            Integer.toString(busy.getLocalPort()));
            assertThat(code).isEqualTo(1);
            assertThat(err.toString())
                    .contains("port " + busy.getLocalPort(), "Flink REST API", "in use");
        }
        assertThat(dir.resolve("cluster").resolve("state.json")).doesNotExist();
    }

    @Test
    void submitWithoutAClusterSaysHowToStartOne(@TempDir Path dir) {
        assertThat(run("submit", "--dir", dir.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("no cluster is up", "coedge cluster up");
    }

    @Test
    void submitOfAMissingJarSaysHowToBuildIt(@TempDir Path dir) throws Exception {
        assertThat(
                        run(
                                "submit",
                                "--rest",
                                "http://127.0.0.1:1",
                                "--jar",
                                dir.resolve("none.jar").toString(),
                                "--config",
                                "x.yaml"))
                .isEqualTo(1);
        assertThat(err.toString()).contains("none.jar not found", "mvn -pl jobs -am package");
    }

    @Test
    void submitPassesTheJobItsArgumentsInOrder(@TempDir Path dir) throws Exception {
        CommandLine cli = ClusterCommand.commandLine();
        cli.parseArgs(
                "submit",
                "--rest",
                "http://127.0.0.1:1",
                "--name",
                "a",
                "--frames-topic",
                "f",
                "--local");
        ClusterCommand.Submit submit = cli.getSubcommands().get("submit").getCommand();
        assertThat(submit.jobArgs).containsExactly("--name", "a", "--frames-topic", "f", "--local");
    }

    @Test
    void downWithoutAClusterStopsNothing(@TempDir Path dir) {
        assertThat(run("down", "--dir", dir.toString())).isZero();
        assertThat(out.toString()).contains("nothing to stop");
    }
}
