package io.coedge.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Result JSON, UTF-8, one object per record. */
public final class ResultCodec {
    private static final ObjectMapper MAPPER =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private ResultCodec() {}

    public static byte[] toJson(FrameResult result) {
        try {
            return MAPPER.writeValueAsBytes(result);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a FrameResult is always serialisable", e);
        }
    }

    /**
     * Parses a result record; readers ignore fields they do not know so that newer producers do not
     * break older consumers.
     *
     * @throws IOException when the bytes are not a result object
     */
    public static FrameResult fromJson(byte[] json) throws IOException {
        return MAPPER.readValue(new String(json, StandardCharsets.UTF_8), FrameResult.class);
    }
}
