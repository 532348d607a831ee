package io.coedge.operators.profile;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.producer.ProducerRecord;

/** {@link NodeStatus} as JSON on the node-profiles topic, keyed by node. */
public final class NodeStatusCodec {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private NodeStatusCodec() {}

  public static byte[] toJson(NodeStatus status) {
    try {
      return MAPPER.writeValueAsBytes(status);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static NodeStatus fromJson(byte[] json) throws IOException {
    return MAPPER.readValue(json, NodeStatus.class);
  }

  /** Reads statuses; anything else on the topic is skipped. */
  public static final class Deserializer implements DeserializationSchema<NodeStatus> {
    @Override
    public NodeStatus deserialize(byte[] message) {
      try {
        return message == null ? null : fromJson(message);
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
    public ProducerRecord<byte[], byte[]> serialize(NodeStatus status, KafkaSinkContext context, Long timestamp) {
      return new ProducerRecord<>(topic, status.node().getBytes(StandardCharsets.UTF_8), toJson(status));
    }
  }
}
