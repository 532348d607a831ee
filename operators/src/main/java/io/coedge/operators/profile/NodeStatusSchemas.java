package io.coedge.operators.profile;

import io.coedge.format.NodeStatus;
import io.coedge.format.NodeStatusCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Flink's schemas for {@link NodeStatus} on the node-profiles topic ({@link NodeStatusCodec}'s
 * JSON, keyed by node).
 */
public final class NodeStatusSchemas {
    private NodeStatusSchemas() {}

    /** Reads statuses; anything else on the topic is skipped. */
    public static final class Deserializer implements DeserializationSchema<NodeStatus> {
        @Override
        public NodeStatus deserialize(byte[] message) {
            try {
                return message == null ? null : NodeStatusCodec.fromJson(message);
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public void deserialize(byte[] message, Collector<NodeStatus> out) {
            NodeStatus s = deserialize(message);
            if (s != null) {
                out.collect(s);
            }
        }

        @Override
        public boolean isEndOfStream(NodeStatus next) {
            return false;
        }

        @Override
        public TypeInformation<NodeStatus> getProducedType() {
            return TypeInformation.of(NodeStatus.class);
        }
    }

    /** Writes statuses keyed by node, so compaction keeps each node's latest. */
    public static final class Serializer implements KafkaRecordSerializationSchema<NodeStatus> {
        private final String topic;

        public Serializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                NodeStatus status, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(
                    topic,
                    status.node().getBytes(StandardCharsets.UTF_8),
                    NodeStatusCodec.toJson(status));
        }
    }
}
