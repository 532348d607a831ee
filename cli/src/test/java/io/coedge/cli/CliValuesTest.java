package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Bad numbers and durations on the command line: one line, the usage hint, exit code 2. */
class CliValuesTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "produce --fps -1           | --fps must be greater than 0, not -1",
                "produce --fps 0            | --fps must be greater than 0, not 0",
                "produce --fps abc          | --fps: 'abc' is not a number",
                "produce --duration=-5s     | --duration must be longer than 0s, not -5s",
                "produce --duration 0s      | --duration must be longer than 0s, not 0s",
                "produce --duration abc     | --duration: 'abc' is not a duration; use e.g. 500ms, 30s, 2m or 1h",
                "produce --count -3         | --count must be at least 0, not -3",
                "produce --count 1.5        | --count: '1.5' is not a whole number",
                "produce --cameras 0        | --cameras must be at least 1, not 0",
                "produce --quality 1        | --quality must be between 2 and 31, not 1",
                "produce --deadline-ms 0    | --deadline-ms must be between 1 and 3600000, not 0",
                "results --expect -1        | --expect must be at least 0, not -1",
                "kafka --port 70000         | --port must be between 0 and 65535, not 70000",
                "kafka --port 99999999999   | --port: '99999999999' is too large",
                "run --duration=-1m         | --duration must be longer than 0s, not -1m",
                "cluster up --nodes 0       | --nodes must be at least 1, not 0",
                "bench throughput --frames 0 | --frames must be at least 1, not 0",
                "sidecar --models x --threads -2 | --threads must be at least 0, not -2",
            })
    void badValueGivesOneLineTheHintAndExitCodeTwo(String args, String reason) {
        String[] words = args.trim().split("\\s+");
        String command = "coedge " + args.substring(0, args.indexOf(" -")).trim();

        CliTest.Run run = CliTest.run(words);

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().lines().toList())
                .containsExactly(
                        command + ": " + reason,
                        "Try '" + command + " --help' for more information.");
        assertThat(run.err()).doesNotContain("Exception").doesNotContain("java.");
    }

    @Test
    void unknownOptionAlsoGetsTheShortForm() {
        CliTest.Run run = CliTest.run("produce", "--fsp", "3");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().lines().toList())
                .hasSize(2)
                .last()
                .isEqualTo("Try 'coedge produce --help' for more information.");
    }

    @Test
    void everyNumericOrDurationOptionOfEveryCommandHasARange() {
        List<String> options = new ArrayList<>();
        collect(CoEdgeCli.commandLine(), options);
        assertThat(options)
                .as("options without an entry in CliValues.RANGES")
                .filteredOn(key -> !CliValues.RANGES.containsKey(key))
                .isEmpty();
        assertThat(CliValues.RANGES.keySet())
                .as("entries of CliValues.RANGES that name no option")
                .isSubsetOf(options);
    }

    private static void collect(CommandLine cli, List<String> options) {
        for (OptionSpec o : CliValues.valueOptions(cli.getCommandSpec())) {
            options.add(CliValues.commandKey(cli.getCommandSpec()) + " " + o.longestName());
        }
        cli.getSubcommands().values().forEach(sub -> collect(sub, options));
    }

    @Test
    void rangesSayWhatTheyAccept() {
        assertThat(CliValues.positive().describe(false)).isEqualTo("greater than 0");
        assertThat(CliValues.positive().describe(true)).isEqualTo("longer than 0s");
        assertThat(CliValues.atLeast(1).describe(false)).isEqualTo("at least 1");
        assertThat(CliValues.between(2, 31).describe(false)).isEqualTo("between 2 and 31");
        assertThat(CliValues.positive().accepts(Double.NaN)).isFalse();
        assertThat(CliValues.between(2, 31).accepts(31)).isTrue();
        assertThat(CliValues.between(2, 31).accepts(32)).isFalse();
    }
}
