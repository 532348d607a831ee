package io.coedge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.topics.TopicsConfig;
import org.junit.jupiter.api.Test;

class JobArgumentsTest {

    @Test
    void topicArgumentsNameEachTopicAndThePartitionsWithOptionsOfTheJob() {
        TopicsConfig topics = TopicsConfig.prefixed("run7", 3);
        assertThat(JobArguments.topics(topics))
                .containsExactly(
                        "--frames-topic",
                        "run7.frames",
                        "--results-topic",
                        "run7.results",
                        "--dlq-topic",
                        "run7.dlq",
                        "--profiles-topic",
                        "run7.profiles",
                        "--partitions",
                        "3");
        for (int i = 0; i < 10; i += 2) {
            assertThat(JobArguments.NAMES).contains(JobArguments.topics(topics).get(i));
        }
    }
}
