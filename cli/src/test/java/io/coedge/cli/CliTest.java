package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        CommandLine cli = CoEdgeCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** Every command and subcommand, as the words a user types. */
    private static List<List<String>> commands(CommandLine cli, List<String> prefix) {
        List<List<String>> all = new ArrayList<>();
        for (var e : cli.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            List<String> words = new ArrayList<>(prefix);
            words.add(e.getKey());
            all.add(words);
            all.addAll(commands(e.getValue(), words));
        }
        return all;
    }

    @Test
    void everyCommandHasHelp() {
        List<List<String>> commands = commands(CoEdgeCli.commandLine(), List.of());
        assertThat(commands)
                .extracting(w -> String.join(" ", w))
                .contains("demo", "kafka", "topics", "topics create", "produce", "results");
        for (List<String> words : commands) {
            List<String> args = new ArrayList<>(words);
            args.add("--help");

            Run run = run(args.toArray(String[]::new));

            assertThat(run.exit()).as(String.join(" ", args)).isZero();
            assertThat(run.out())
                    .as(String.join(" ", args))
                    .startsWith("Usage: coedge " + String.join(" ", words));
        }
    }

    @Test
    void demoHelpOffersTheRealDetectors() {
        Run run = run("demo", "--help");

        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("--real", "config/real.yaml", "vtest.avi");
    }

    @Test
    void badCatalogFailsWithFileAndFieldAndNoStackTrace(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("broken.yaml");
        Files.writeString(config, "nodes: [{id: a}]\nmodels: []\ntasks: []\n");

        Run run = run("produce", "--config", config.toString(), "--count", "1");

        assertThat(run.exit()).isEqualTo(1);
        // file, field path and problem, then where in the file; one line, no stack trace
        assertThat(run.err().trim())
                .startsWith("coedge produce: " + config + ": models: must list at least one entry")
                .doesNotContain("\n")
                .doesNotContain("Exception");
    }

    @Test
    void durationsParseAsPeopleWriteThem() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("1.5m")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("PT5S")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Durations.parse("7")).isEqualTo(Duration.ofSeconds(7));
        Run bad = run("produce", "--duration", "soon");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("'soon' is not a duration");
    }

    @Test
    void benchPoliciesSweepsRepeatsAndSettlesOnlyOnTheTestbedAndSaysWhatIsWrongWithASweep() {
        Run noTestbed = run("bench", "policies", "--sweep", "bandwidth=10");
        assertThat(noTestbed.exit()).isEqualTo(2);
        assertThat(noTestbed.err()).contains("--sweep runs on the testbed only: add --testbed");
        Run badDim = run("bench", "policies", "--testbed", "--sweep", "latency=5");
        assertThat(badDim.exit()).isEqualTo(2);
        assertThat(badDim.err()).contains("--sweep sweeps bandwidth or load, not 'latency'");
        Run badPair = run("bench", "policies", "--testbed", "--pairs", "coedge");
        assertThat(badPair.exit()).isEqualTo(2);
        assertThat(badPair.err()).contains("--pairs entry 'coedge' is not dispatch/batch");
        Run repeatNoTestbed = run("bench", "policies", "--repeat", "3");
        assertThat(repeatNoTestbed.exit()).isEqualTo(2);
        assertThat(repeatNoTestbed.err())
                .contains("--repeat runs on the testbed only: add --testbed");
        Run noRounds = run("bench", "policies", "--testbed", "--repeat", "0");
        assertThat(noRounds.exit()).isEqualTo(2);
        assertThat(noRounds.err()).contains("--repeat must be at least 1, not 0");
        Run settleNoTestbed = run("bench", "policies", "--settle", "10s");
        assertThat(settleNoTestbed.exit()).isEqualTo(2);
        assertThat(settleNoTestbed.err())
                .contains("--settle runs on the testbed only: add --testbed");
        Run loadNoTestbed = run("bench", "policies", "--load", "1.5");
        assertThat(loadNoTestbed.exit()).isEqualTo(2);
        assertThat(loadNoTestbed.err()).contains("--load runs on the testbed only: add --testbed");
        Run loadOnALoadSweep =
                run("bench", "policies", "--testbed", "--sweep", "load=1,2", "--load", "1.5");
        assertThat(loadOnALoadSweep.exit()).isEqualTo(2);
        assertThat(loadOnALoadSweep.err())
                .contains("--load scales the cameras of a bandwidth sweep; a load sweep sets");
        Run noLoad = run("bench", "policies", "--testbed", "--load", "0");
        assertThat(noLoad.exit()).isEqualTo(2);
        assertThat(noLoad.err()).contains("--load must be").contains(", not 0");
    }
}
