package org.apache.flink.connector.kafka.source.enumerator;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.topics.OriginPartitions;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * OriginPartitions predicts the reader of each partition exactly as the Kafka connector's own
 * enumerator assigns it (this test sits in the enumerator's package to call its rule), so a
 * connector upgrade that changes the rule fails here.
 */
class OriginPartitionsMatchKafkaSourceTest {

    @Test
    void everyPartitionGoesToTheReaderTheConnectorPicks() {
        for (String topic : new String[] {"coedge.frames", "frames", "x"}) {
            for (int readers = 1; readers <= 8; readers++) {
                for (int p = 0; p < 24; p++) {
                    assertThat(OriginPartitions.readerOf(topic, p, readers))
                            .as("%s partition %d of %d readers", topic, p, readers)
                            .isEqualTo(
                                    KafkaSourceEnumerator.getSplitOwner(
                                            new TopicPartition(topic, p), readers));
                }
            }
        }
    }

    @Test
    void eachReaderOwnsAPartitionOnceThereAreAsManyPartitionsAsReaders() {
        for (int subtask = 0; subtask < 3; subtask++) {
            int p = OriginPartitions.partitionReadBy("coedge.frames", 3, 3, subtask).orElseThrow();
            assertThat(
                            KafkaSourceEnumerator.getSplitOwner(
                                    new TopicPartition("coedge.frames", p), 3))
                    .isEqualTo(subtask);
        }
        assertThat(OriginPartitions.partitionReadBy("coedge.frames", 1, 3, 1)).isEmpty();
    }
}
