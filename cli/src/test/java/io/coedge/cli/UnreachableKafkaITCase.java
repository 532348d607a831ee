package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A command pointed at an address where no Kafka answers says so and how to start one. An ITCase:
 * the Kafka client really tries to connect (to 127.0.0.1:1) until the reachability timeout.
 */
class UnreachableKafkaITCase {

    @Test
    void unreachableKafkaIsExplained() {
        CliTest.Run run = CliTest.run("topics", "create", "--bootstrap", "127.0.0.1:1");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("no Kafka answers at 127.0.0.1:1").contains("coedge kafka");
    }
}
