package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coedge.jobs.CoEdgeJob;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --delivery} of run and demo: both modes parse, the default is exactly-once. */
class DeliveryOptionTest {

    @Test
    void runAndDemoTakeBothModes() {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--delivery", "low-latency");
        assertThat(run.options.delivery).isEqualTo(CoEdgeJob.Delivery.LOW_LATENCY);
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo)
                .registerConverter(java.time.Duration.class, Durations::parse)
                .parseArgs("--delivery", "exactly-once");
        assertThat(demo.options.delivery).isEqualTo(CoEdgeJob.Delivery.EXACTLY_ONCE);
    }

    @Test
    void theDefaultIsExactlyOnce() {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs();
        assertThat(run.options.delivery).isEqualTo(CoEdgeJob.Delivery.EXACTLY_ONCE);
    }

    @Test
    void anUnknownModeIsOneLineNamingBoth() {
        assertThatThrownBy(() -> new CommandLine(new RunCommand()).parseArgs("--delivery", "fast"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage(
                        "Invalid value for option '--delivery': expected exactly-once or"
                                + " low-latency, got 'fast'");
    }
}
