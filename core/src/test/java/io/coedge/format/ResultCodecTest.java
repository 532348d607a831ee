package io.coedge.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ResultCodecTest {
    private static Schema schema;

    @BeforeAll
    static void schema() throws Exception {
        try (InputStream in =
                ResultCodecTest.class.getResourceAsStream("/schemas/result.schema.json")) {
            schema =
                    SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                            .getSchema(
                                    new String(in.readAllBytes(), StandardCharsets.UTF_8),
                                    InputFormat.JSON);
        }
    }

    static FrameResult ok() {
        return new FrameResult(
                "cam-1#7",
                "cam-1",
                7L,
                "coedge.frames/0@12",
                "vehicles",
                "yolo-small",
                "edge-2",
                "edge-1",
                4,
                FrameResult.Status.OK,
                null,
                1000L,
                1005L,
                1010L,
                1090L,
                1100L,
                100L,
                1400L,
                400L,
                true,
                List.of(new FrameResult.Detection("car", 2, 0.91, 10, 20, 110, 80)),
                null);
    }

    static FrameResult dropped() {
        return new FrameResult(
                "coedge.frames/1@5",
                "cam-9",
                null,
                "coedge.frames/1@5",
                "walkers",
                "resnet",
                "edge-1",
                "edge-1",
                0,
                FrameResult.Status.DROPPED,
                "DEADLINE_UNREACHABLE: needs 30 ms, 12 ms left",
                1000L,
                1002L,
                null,
                null,
                1003L,
                3L,
                1015L,
                15L,
                false,
                null,
                null);
    }

    static FrameResult classified() {
        return new FrameResult(
                "cam-3#1",
                "cam-3",
                1L,
                "coedge.frames/2@9",
                "walkers",
                "resnet",
                "edge-3",
                "edge-1",
                2,
                FrameResult.Status.LATE,
                null,
                1000L,
                1001L,
                1500L,
                1520L,
                1525L,
                525L,
                1400L,
                400L,
                false,
                null,
                List.of(
                        new FrameResult.ClassScore("cat", 3, 0.7),
                        new FrameResult.ClassScore("dog", 5, 0.2)));
    }

    @Test
    void everyStatusRoundTripsAndMatchesTheSchema() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        for (FrameResult result : List.of(ok(), dropped(), classified())) {
            byte[] json = ResultCodec.toJson(result);

            List<Error> problems =
                    schema.validate(new String(json, StandardCharsets.UTF_8), InputFormat.JSON);
            assertThat(problems).as(new String(json)).isEmpty();
            assertThat(ResultCodec.fromJson(json)).isEqualTo(result);
        }
    }

    @Test
    void schemaRejectsAResultWithoutReasonForDroppedOrAnUnknownStatus() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode noReason = mapper.readTree(ResultCodec.toJson(dropped()));
        ((com.fasterxml.jackson.databind.node.ObjectNode) noReason).remove("reason");
        JsonNode badStatus = mapper.readTree(ResultCodec.toJson(ok()));
        ((com.fasterxml.jackson.databind.node.ObjectNode) badStatus).put("status", "MAYBE");

        assertThat(schema.validate(noReason.toString(), InputFormat.JSON)).isNotEmpty();
        assertThat(schema.validate(badStatus.toString(), InputFormat.JSON)).isNotEmpty();
    }

    @Test
    void nullFieldsAreOmittedNotWrittenAsNull() {
        String json = new String(ResultCodec.toJson(dropped()));

        assertThat(json)
                .doesNotContain("null")
                .doesNotContain("inferenceStartTs")
                .contains("\"status\":\"DROPPED\"");
    }
}
