package io.coedge.format;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

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
}
