package io.coedge.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final byte[] JPEG = EncodedImages.encode("jpg", 64, 48);
    private static final byte[] PNG = EncodedImages.encode("png", 40, 30);
    private static Catalog catalog;
    private static FrameDecoder decoder;

    @BeforeAll
    static void catalog() throws Exception {
        catalog =
                CatalogLoader.parse(
                        "test.yaml",
                        """
            nodes: [{id: edge-1, sidecar: "127.0.0.1:1"}, {id: edge-2, sidecar: "127.0.0.1:2"}]
            models: [{name: m, input: {width: 32, height: 32}, postprocess: {type: classification, labels: [a]}}]
            tasks: [{id: walkers, model: m, cameras: [cam-1], fps: 1, deadlineMs: 250, origin: edge-1}]
            """);
        decoder = new FrameDecoder(catalog, DecoderLimits.defaults());
    }

    private static RawRecord.Header h(String key, String value) {
        return new RawRecord.Header(
                key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static List<RawRecord.Header> headers(RawRecord.Header... extra) {
        List<RawRecord.Header> list = new ArrayList<>();
        list.add(h(FrameHeaders.TASK, "walkers"));
        list.add(h(FrameHeaders.TIMESTAMP, Long.toString(NOW - 10)));
        list.addAll(Arrays.asList(extra));
        return list;
    }

    private static RawRecord record(byte[] key, byte[] value, List<RawRecord.Header> headers) {
        return new RawRecord("coedge.frames", 3, 77, key, value, headers);
    }

    private static RawRecord record(List<RawRecord.Header> headers) {
        return record("cam-1".getBytes(StandardCharsets.UTF_8), JPEG, headers);
    }

    private static List<RawRecord.Header> without(String key) {
        List<RawRecord.Header> list = headers();
        list.removeIf(x -> x.key().equals(key));
        return list;
    }

    private static List<RawRecord.Header> replacing(String key, String value) {
        List<RawRecord.Header> list = without(key);
        list.add(h(key, value));
        return list;
    }

    private static ErrorCode rejection(RawRecord record) {
        DecodeResult result = decoder.decode(record, NOW);
        assertThat(result).isInstanceOf(DecodeResult.Rejected.class);
        DecodeResult.Rejected rejected = (DecodeResult.Rejected) result;
        assertThat(rejected.detail()).isNotBlank();
        return rejected.code();
    }

    @Test
    void wellFormedJpegFrameIsAcceptedWithCatalogDefaults() {
        DecodeResult result = decoder.decode(record(headers()), NOW);

        Frame frame = ((DecodeResult.Accepted) result).frame();
        assertThat(frame)
                .usingRecursiveComparison()
                .isEqualTo(
                        new Frame(
                                "coedge.frames/3@77",
                                "cam-1",
                                -1,
                                "walkers",
                                "edge-1",
                                NOW - 10,
                                250,
                                ImageFormat.JPEG,
                                64,
                                48,
                                JPEG,
                                "coedge.frames/3@77"));
        assertThat(frame.deadlineTs()).isEqualTo(NOW + 240);
    }

    @Test
    void optionalHeadersOverrideDefaultsAndSequenceGivesIdentity() {
        RawRecord record =
                record(
                        "cam-1".getBytes(StandardCharsets.UTF_8),
                        PNG,
                        headers(
                                h(FrameHeaders.DEADLINE_MS, "90"),
                                h(FrameHeaders.ORIGIN, "edge-2"),
                                h(FrameHeaders.SEQUENCE, "42")));

        Frame frame = ((DecodeResult.Accepted) decoder.decode(record, NOW)).frame();

        assertThat(frame.id()).isEqualTo("cam-1#42");
        assertThat(frame.sequence()).isEqualTo(42);
        assertThat(frame.deadlineMs()).isEqualTo(90);
        assertThat(frame.origin()).isEqualTo("edge-2");
        assertThat(frame.format()).isEqualTo(ImageFormat.PNG);
        assertThat(frame.width()).isEqualTo(40);
        assertThat(frame.height()).isEqualTo(30);
    }

    @Test
    void keyProblems() {
        assertThat(rejection(record(null, JPEG, headers()))).isEqualTo(ErrorCode.EMPTY_KEY);
        assertThat(rejection(record(new byte[0], JPEG, headers()))).isEqualTo(ErrorCode.EMPTY_KEY);
        assertThat(rejection(record(new byte[] {(byte) 0xc3, (byte) 0x28}, JPEG, headers())))
                .isEqualTo(ErrorCode.BAD_KEY_ENCODING);
    }

    @Test
    void taskHeaderProblems() {
        assertThat(rejection(record(without(FrameHeaders.TASK)))).isEqualTo(ErrorCode.MISSING_TASK);
        assertThat(rejection(record(replacing(FrameHeaders.TASK, ""))))
                .isEqualTo(ErrorCode.BAD_TASK);
        assertThat(rejection(record(replacing(FrameHeaders.TASK, "parking"))))
                .isEqualTo(ErrorCode.UNKNOWN_TASK);
        List<RawRecord.Header> nullValue = without(FrameHeaders.TASK);
        nullValue.add(new RawRecord.Header(FrameHeaders.TASK, new byte[] {(byte) 0xff}));
        assertThat(rejection(record(nullValue))).isEqualTo(ErrorCode.BAD_TASK);
    }

    @Test
    void timestampHeaderProblems() {
        assertThat(rejection(record(without(FrameHeaders.TIMESTAMP))))
                .isEqualTo(ErrorCode.MISSING_TIMESTAMP);
        assertThat(rejection(record(replacing(FrameHeaders.TIMESTAMP, "yesterday"))))
                .isEqualTo(ErrorCode.BAD_TIMESTAMP);
        assertThat(rejection(record(replacing(FrameHeaders.TIMESTAMP, "-5"))))
                .isEqualTo(ErrorCode.BAD_TIMESTAMP);
        assertThat(rejection(record(replacing(FrameHeaders.TIMESTAMP, "1.5e12"))))
                .isEqualTo(ErrorCode.BAD_TIMESTAMP);
        assertThat(
                        rejection(
                                record(
                                        replacing(
                                                FrameHeaders.TIMESTAMP,
                                                Long.toString(NOW + 3_600_000)))))
                .isEqualTo(ErrorCode.FUTURE_TIMESTAMP);
    }

    @Test
    void deadlineOriginAndSequenceProblems() {
        assertThat(rejection(record(headers(h(FrameHeaders.DEADLINE_MS, "-100")))))
                .isEqualTo(ErrorCode.BAD_DEADLINE);
        assertThat(rejection(record(headers(h(FrameHeaders.DEADLINE_MS, "0")))))
                .isEqualTo(ErrorCode.BAD_DEADLINE);
        assertThat(rejection(record(headers(h(FrameHeaders.DEADLINE_MS, "99999999999")))))
                .isEqualTo(ErrorCode.BAD_DEADLINE);
        assertThat(rejection(record(headers(h(FrameHeaders.ORIGIN, "edge-42")))))
                .isEqualTo(ErrorCode.BAD_ORIGIN);
        assertThat(rejection(record(headers(h(FrameHeaders.SEQUENCE, "x1")))))
                .isEqualTo(ErrorCode.BAD_SEQUENCE);
        assertThat(rejection(record(headers(h(FrameHeaders.TASK, "walkers")))))
                .isEqualTo(ErrorCode.DUPLICATE_HEADER);
    }

    @Test
    void valueProblems() {
        byte[] key = "cam-1".getBytes(StandardCharsets.UTF_8);
        assertThat(rejection(record(key, null, headers()))).isEqualTo(ErrorCode.EMPTY_VALUE);
        assertThat(rejection(record(key, new byte[0], headers()))).isEqualTo(ErrorCode.EMPTY_VALUE);
        assertThat(
                        rejection(
                                record(
                                        key,
                                        "hello, world".getBytes(StandardCharsets.UTF_8),
                                        headers())))
                .isEqualTo(ErrorCode.NOT_AN_IMAGE);
        assertThat(rejection(record(key, Arrays.copyOf(JPEG, 12), headers())))
                .isEqualTo(ErrorCode.BAD_IMAGE_HEADER);
        byte[] corruptPng = PNG.clone();
        corruptPng[18] ^= 0x40; // inside IHDR: the CRC no longer matches
        assertThat(rejection(record(key, corruptPng, headers())))
                .isEqualTo(ErrorCode.BAD_IMAGE_HEADER);
        FrameDecoder small =
                new FrameDecoder(catalog, new DecoderLimits(100, 1_000_000, 60_000, 3_600_000));
        DecodeResult oversize = small.decode(record(key, JPEG, headers()), NOW);
        assertThat(((DecodeResult.Rejected) oversize).code()).isEqualTo(ErrorCode.OVERSIZE_VALUE);
    }

    @Test
    void decompressionBombIsRefusedFromItsHeader() {
        byte[] bomb = PNG.clone();
        // Rewrite IHDR to declare 30000x30000 and fix the CRC, as a crafted file would.
        writeInt(bomb, 16, 30000);
        writeInt(bomb, 20, 30000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bomb, 12, 17);
        writeInt(bomb, 29, (int) crc.getValue());

        DecodeResult result =
                decoder.decode(
                        record("cam-1".getBytes(StandardCharsets.UTF_8), bomb, headers()), NOW);

        assertThat(result)
                .isEqualTo(
                        new DecodeResult.Rejected(
                                ErrorCode.IMAGE_TOO_LARGE,
                                "PNG declares 30000x30000 = 900000000 pixels; at most 33177600"));
    }

    private static void writeInt(byte[] d, int at, int v) {
        d[at] = (byte) (v >>> 24);
        d[at + 1] = (byte) (v >>> 16);
        d[at + 2] = (byte) (v >>> 8);
        d[at + 3] = (byte) v;
    }
}
