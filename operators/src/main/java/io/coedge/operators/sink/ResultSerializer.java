package io.coedge.operators.sink;

import io.coedge.format.FrameResult;
import io.coedge.format.ResultCodec;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Results as JSON (docs/FORMATS.md), keyed by camera (exactly-once delivery) or by frame id
 * (low-latency delivery, where a frame's result may be written again after a failure and a
 * last-value-per-key reader must see one).
 */
public final class ResultSerializer implements KafkaRecordSerializationSchema<FrameResult> {
    /** What the record key holds. */
    public enum Key {
        CAMERA,
        FRAME_ID
    }

    private final String topic;
    private final Key key;

    public ResultSerializer(String topic) {
        this(topic, Key.CAMERA);
    }

    public ResultSerializer(String topic, Key key) {
        this.topic = topic;
        this.key = key;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            FrameResult result, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(
                topic,
                null,
                result.emitTs(),
                (key == Key.FRAME_ID ? result.frameId() : result.camera())
                        .getBytes(StandardCharsets.UTF_8),
                ResultCodec.toJson(result));
    }
}
