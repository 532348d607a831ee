package io.coedge.topics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicsConfigTest {

    @Test
    void prefixedNamesARunsFourTopicsAfterItsPrefix() {
        assertThat(TopicsConfig.prefixed("bench7", 3))
                .isEqualTo(
                        new TopicsConfig(
                                "bench7.frames",
                                "bench7.results",
                                "bench7.dlq",
                                "bench7.profiles",
                                3));
    }
}
