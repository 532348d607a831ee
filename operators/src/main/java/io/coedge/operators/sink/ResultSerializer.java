package io.coedge.operators.sink;

import io.coedge.format.FrameResult;
import io.coedge.format.ResultCodec;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Results as JSON (docs/FORMATS.md), keyed by camera. */
public final class ResultSerializer implements KafkaRecordSerializationSchema<FrameResult> {
    private final String topic;

    public ResultSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            FrameResult result, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(
                topic,
                null,
                result.emitTs(),
                result.camera().getBytes(StandardCharsets.UTF_8),
                ResultCodec.toJson(result));
    }
}
