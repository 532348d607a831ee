package io.coedge.operators.sink;

import io.coedge.format.DeadLetter;
import io.coedge.format.RawRecord;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Dead letters: the original key, value and headers plus the error code and detail headers. */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        for (RawRecord.Header h : letter.headersWithError()) {
            headers.add(h.key(), h.value());
        }
        return new ProducerRecord<>(topic, null, null, letter.key(), letter.value(), headers);
    }
}
