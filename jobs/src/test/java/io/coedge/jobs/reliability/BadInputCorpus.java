package io.coedge.jobs.reliability;

import io.coedge.format.FrameHeaders;
import io.coedge.format.RawRecord;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The bad-input corpus (jobs/src/test/resources/bad-input/): records that are malformed, hostile or
 * unrunnable, each with where it must end. {@link #main} writes the value files and {@code
 * cases.yaml}; {@link #load} reads them back for the tests. Every file is small: the oversize case
 * declares its size ({@code valueSize}) and its bytes are made at test time.
 *
 * <p>Regenerate with {@code mvn -o -q -pl jobs -am test-compile} then {@code java -cp "$(cat
 * jobs/target/classpath.txt):jobs/target/test-classes" io.coedge.jobs.reliability.BadInputCorpus
 * jobs/src/test/resources/bad-input}.
 */
public final class BadInputCorpus {
    /** Placeholder for "now" in a {@code coedge.ts} value; replaced when the case is sent. */
    public static final String NOW = "${now}";

    /**
     * Header every case carries (ignored by the decoder, kept in dead letters) so a test can tell
     * cases apart.
     */
    public static final String CASE_HEADER = "x-corpus-case";

    public static final String RESOURCE = "/bad-input/";

    /**
     * Where a case must end: a dead letter with {@code code}, or a result with {@code status} and
     * reason prefix.
     */
    public record Expect(String topic, String code, String status, String notNode) {
        public boolean deadLetter() {
            return topic.equals("dlq");
        }
    }

    /**
     * One case.
     *
     * @param key key bytes; null for a record without key
     * @param headers header name and value (null value = a header with a null value)
     * @param valueFile file under bad-input/ holding the value, or null when {@code valueSize} says
     *     how many bytes to make
     */
    public record Case(
            String name,
            String description,
            byte[] key,
            List<RawRecord.Header> headers,
            String valueFile,
            long valueSize,
            Expect expect) {

        /** The record as sent: {@code now} put in place of {@link #NOW}, the value read or made. */
        public RawRecord toRecord(long nowMs) throws IOException {
            List<RawRecord.Header> hs = new ArrayList<>();
            for (RawRecord.Header h : headers) {
                byte[] v = h.value();
                if (v != null && new String(v, StandardCharsets.UTF_8).equals(NOW)) {
                    v = Long.toString(nowMs).getBytes(StandardCharsets.UTF_8);
                }
                hs.add(new RawRecord.Header(h.key(), v));
            }
            hs.add(new RawRecord.Header(CASE_HEADER, name.getBytes(StandardCharsets.UTF_8)));
            return new RawRecord("", 0, 0, key, value(), hs);
        }

        public byte[] value() throws IOException {
            if (valueFile == null) {
                byte[] v = new byte[Math.toIntExact(valueSize)];
                // A JPEG signature, so it is refused for its size, not for not being an image.
                v[0] = (byte) 0xff;
                v[1] = (byte) 0xd8;
                v[2] = (byte) 0xff;
                return v;
            }
            try (InputStream in = BadInputCorpus.class.getResourceAsStream(RESOURCE + valueFile)) {
                if (in == null) {
                    throw new IOException("no resource " + RESOURCE + valueFile);
                }
                return in.readAllBytes();
            }
        }
    }

    private BadInputCorpus() {}

    // ---------------------------------------------------------------- generation

    private record Spec(
            String name,
            String description,
            Object key,
            List<String[]> headers,
            String valueFile,
            long valueSize,
            Map<String, String> expect) {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "jobs/src/test/resources/bad-input");
        write(dir);
        System.out.println("wrote the bad-input corpus to " + dir);
    }

    /** Writes every value file and cases.yaml into {@code dir}. */
    public static void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        byte[] jpeg = jpeg(64, 48);
        byte[] png = png(40, 30);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("good.jpg", jpeg);
        files.put(
                "not-an-image.txt",
                "this is not an image, it is a sentence\n".getBytes(StandardCharsets.US_ASCII));
        files.put(
                "html.bin",
                "<html><body>camera offline</body></html>\n".getBytes(StandardCharsets.US_ASCII));
        files.put(
                "gif.gif",
                HexFormat.of()
                        .parseHex("474946383961010001000000002c00000000010001000002024401003b"));
        files.put("jpeg-soi-only.jpg", new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff});
        files.put("jpeg-truncated-header.jpg", java.util.Arrays.copyOf(jpeg, 30));
        files.put("jpeg-truncated-data.jpg", java.util.Arrays.copyOf(jpeg, jpeg.length * 2 / 3));
        files.put("jpeg-garbage-segment.jpg", jpegGarbageSegment(jpeg));
        files.put("jpeg-bomb-30000x30000.jpg", jpegBomb(30000, 30000));
        files.put("jpeg-zero-size.jpg", jpegBomb(0, 48));
        files.put("png-signature-only.png", java.util.Arrays.copyOf(png, 8));
        files.put("png-ihdr-bad-crc.png", pngIhdrBadCrc(png));
        files.put("png-idat-corrupt.png", pngIdatCorrupt(png));
        files.put("png-bomb-30000x30000.png", pngWithSize(30000, 30000));
        files.put("png-zero-width.png", pngWithSize(0, 30));
        files.put("empty.bin", new byte[0]);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
        StringBuilder yaml =
                new StringBuilder(
                        """
        # The bad-input corpus: generated by io.coedge.jobs.reliability.BadInputCorpus (do not edit by hand).
        # key: UTF-8 text, keyHex: raw bytes in hex, or absent for a record without key.
        # headers: {name, value} or {name, hex}; value ${now} is replaced by the send time; value null is a header without value.
        # value: a file of this folder, or valueSize: bytes made at test time (JPEG signature + zeros).
        # expect: {topic: dlq, code: C} = one dead letter with coedge.error C;
        #         {topic: results, status: S, code: C} = one result with that status and reason code;
        #         notNode: N = the result must come from another node than N.
        catalog: catalog.yaml
        cases:
        """);
        for (Spec s : specs()) {
            yaml.append("  - name: ").append(s.name()).append('\n');
            yaml.append("    description: \"")
                    .append(s.description().replace("\"", "'"))
                    .append("\"\n");
            if (s.key() instanceof String text) {
                yaml.append("    key: \"").append(text).append("\"\n");
            } else if (s.key() instanceof byte[] bytes) {
                yaml.append("    keyHex: \"")
                        .append(HexFormat.of().formatHex(bytes))
                        .append("\"\n");
            }
            yaml.append("    headers:\n");
            for (String[] h : s.headers()) {
                yaml.append("      - {name: \"").append(h[0]).append("\", ");
                if (h.length > 2) {
                    yaml.append("hex: \"").append(h[2]).append("\"}\n");
                } else {
                    yaml.append("value: ")
                            .append(h[1] == null ? "null" : "\"" + h[1] + "\"")
                            .append("}\n");
                }
            }
            if (s.valueFile() != null) {
                yaml.append("    value: ").append(s.valueFile()).append('\n');
            } else {
                yaml.append("    valueSize: ").append(s.valueSize()).append('\n');
            }
            yaml.append("    expect: {");
            yaml.append(
                    String.join(
                            ", ",
                            java.util.stream.Stream.of("topic", "code", "status", "notNode")
                                    .filter(k -> s.expect().containsKey(k))
                                    .map(k -> k + ": " + s.expect().get(k))
                                    .toList()));
            yaml.append("}\n");
        }
        Files.writeString(dir.resolve("cases.yaml"), yaml.toString());
        Files.writeString(dir.resolve("catalog.yaml"), CATALOG);
    }

    /**
     * The deployment the corpus is written against: edge-3 has no sidecar; ghost-model is served by
     * none.
     */
    static final String CATALOG =
            """
      # Deployment of the bad-input corpus. edge-3's sidecar address answers nothing;
      # ghost-model is in the catalog but in no sidecar's model repository.
      nodes:
        - {id: edge-1, sidecar: "127.0.0.1:1"}
        - {id: edge-2, sidecar: "127.0.0.1:2"}
        - {id: edge-3, sidecar: "127.0.0.1:3"}
      models:
        - name: resnet
          maxBatch: 8
          input: {name: input, width: 32, height: 32}
          postprocess: {type: classification, topK: 3, labels: [airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck]}
        - name: ghost-model
          maxBatch: 4
          input: {name: input, width: 32, height: 32}
          postprocess: {type: classification, topK: 1, labels: [a, b]}
      tasks:
        - {id: walkers, model: resnet, cameras: [cam-1, cam-2], fps: 10, deadlineMs: 30000, origin: edge-1, frame: {width: 64, height: 48}}
        - {id: orphans, model: resnet, cameras: [cam-9], fps: 1, deadlineMs: 30000, origin: edge-3, frame: {width: 64, height: 48}}
        - {id: ghosts, model: ghost-model, cameras: [cam-8], fps: 1, deadlineMs: 30000, origin: edge-2, frame: {width: 64, height: 48}}
      """;

    private static List<Spec> specs() {
        List<Spec> s = new ArrayList<>();
        String good = "good.jpg";
        // Image content.
        s.add(dlq("not-an-image", "a sentence of text", "not-an-image.txt", std(), "NOT_AN_IMAGE"));
        s.add(
                dlq(
                        "html-page",
                        "an HTML error page a broken camera might send",
                        "html.bin",
                        std(),
                        "NOT_AN_IMAGE"));
        s.add(
                dlq(
                        "gif-image",
                        "a valid 1x1 GIF: images other than JPEG and PNG are refused",
                        "gif.gif",
                        std(),
                        "NOT_AN_IMAGE"));
        s.add(
                dlq(
                        "jpeg-soi-only",
                        "the 3-byte JPEG signature and nothing else",
                        "jpeg-soi-only.jpg",
                        std(),
                        "BAD_IMAGE_HEADER"));
        s.add(
                dlq(
                        "jpeg-truncated-header",
                        "a JPEG cut off before its frame header (30 bytes)",
                        "jpeg-truncated-header.jpg",
                        std(),
                        "BAD_IMAGE_HEADER"));
        s.add(
                dlq(
                        "jpeg-bomb",
                        "decompression bomb: 23-byte JPEG whose frame header declares 30000x30000",
                        "jpeg-bomb-30000x30000.jpg",
                        std(),
                        "IMAGE_TOO_LARGE"));
        s.add(
                dlq(
                        "jpeg-zero-size",
                        "a JPEG frame header declaring width 0",
                        "jpeg-zero-size.jpg",
                        std(),
                        "BAD_IMAGE_HEADER"));
        s.add(
                dlq(
                        "jpeg-truncated-data",
                        "a JPEG whose header is intact but whose scan data is cut at two thirds",
                        "jpeg-truncated-data.jpg",
                        std(),
                        "CORRUPT_IMAGE"));
        s.add(
                dlq(
                        "jpeg-garbage-segment",
                        "a JPEG whose Huffman table segment is overwritten with garbage",
                        "jpeg-garbage-segment.jpg",
                        std(),
                        "CORRUPT_IMAGE"));
        s.add(
                dlq(
                        "png-signature-only",
                        "the 8-byte PNG signature and nothing else",
                        "png-signature-only.png",
                        std(),
                        "BAD_IMAGE_HEADER"));
        s.add(
                dlq(
                        "png-ihdr-bad-crc",
                        "a PNG whose IHDR chunk fails its CRC",
                        "png-ihdr-bad-crc.png",
                        std(),
                        "BAD_IMAGE_HEADER"));
        s.add(
                dlq(
                        "png-bomb",
                        "decompression bomb: 65-byte PNG whose IHDR declares 30000x30000",
                        "png-bomb-30000x30000.png",
                        std(),
                        "IMAGE_TOO_LARGE"));
        s.add(
                dlq(
                        "png-zero-width",
                        "a PNG whose IHDR declares width 0 (valid CRC)",
                        "png-zero-width.png",
                        std(),
                        "BAD_IMAGE_HEADER"));
        s.add(
                dlq(
                        "png-idat-corrupt",
                        "a PNG with a valid IHDR and an IDAT chunk of garbage",
                        "png-idat-corrupt.png",
                        std(),
                        "CORRUPT_IMAGE"));
        s.add(dlq("empty-value", "a zero-length value", "empty.bin", std(), "EMPTY_VALUE"));
        s.add(
                new Spec(
                        "oversize-value",
                        "a 16 MiB + 1 byte value, one byte over the decoder's bound (made at test time)",
                        "cam-1",
                        std(),
                        null,
                        (16L << 20) + 1,
                        Map.of("topic", "dlq", "code", "OVERSIZE_VALUE")));
        // Key.
        s.add(
                new Spec(
                        "no-key",
                        "a record without key",
                        null,
                        std(),
                        good,
                        0,
                        Map.of("topic", "dlq", "code", "EMPTY_KEY")));
        s.add(
                new Spec(
                        "empty-key",
                        "a zero-length key",
                        "",
                        std(),
                        good,
                        0,
                        Map.of("topic", "dlq", "code", "EMPTY_KEY")));
        s.add(
                new Spec(
                        "non-utf8-key",
                        "a key of bytes that are not UTF-8 (C3 28 FF)",
                        new byte[] {(byte) 0xc3, 0x28, (byte) 0xff},
                        std(),
                        good,
                        0,
                        Map.of("topic", "dlq", "code", "BAD_KEY_ENCODING")));
        // Headers.
        s.add(
                dlq(
                        "missing-task",
                        "no coedge.task header",
                        good,
                        hs(new String[] {FrameHeaders.TIMESTAMP, NOW}),
                        "MISSING_TASK"));
        s.add(
                dlq(
                        "empty-task",
                        "coedge.task is empty",
                        good,
                        with(FrameHeaders.TASK, ""),
                        "BAD_TASK"));
        s.add(
                dlq(
                        "null-task",
                        "coedge.task has a null value",
                        good,
                        with(FrameHeaders.TASK, null),
                        "MISSING_TASK"));
        s.add(
                dlq(
                        "unknown-task",
                        "coedge.task names no task of the catalog",
                        good,
                        with(FrameHeaders.TASK, "parking"),
                        "UNKNOWN_TASK"));
        s.add(
                dlq(
                        "missing-timestamp",
                        "no coedge.ts header",
                        good,
                        hs(new String[] {FrameHeaders.TASK, "walkers"}),
                        "MISSING_TIMESTAMP"));
        s.add(
                dlq(
                        "negative-timestamp",
                        "coedge.ts is -5",
                        good,
                        with(FrameHeaders.TIMESTAMP, "-5"),
                        "BAD_TIMESTAMP"));
        s.add(
                dlq(
                        "text-timestamp",
                        "coedge.ts is 'yesterday'",
                        good,
                        with(FrameHeaders.TIMESTAMP, "yesterday"),
                        "BAD_TIMESTAMP"));
        s.add(
                dlq(
                        "iso-timestamp",
                        "coedge.ts is an ISO date instead of epoch milliseconds",
                        good,
                        with(FrameHeaders.TIMESTAMP, "2026-01-01T00:00:00Z"),
                        "BAD_TIMESTAMP"));
        s.add(
                dlq(
                        "overflow-timestamp",
                        "coedge.ts has 19 digits (overflows a long)",
                        good,
                        with(FrameHeaders.TIMESTAMP, "9999999999999999999"),
                        "BAD_TIMESTAMP"));
        s.add(
                dlq(
                        "future-timestamp",
                        "coedge.ts is in the year 2286",
                        good,
                        with(FrameHeaders.TIMESTAMP, "9999999999999"),
                        "FUTURE_TIMESTAMP"));
        s.add(
                dlq(
                        "negative-deadline",
                        "coedge.deadline.ms is -100",
                        good,
                        plus(FrameHeaders.DEADLINE_MS, "-100"),
                        "BAD_DEADLINE"));
        s.add(
                dlq(
                        "zero-deadline",
                        "coedge.deadline.ms is 0",
                        good,
                        plus(FrameHeaders.DEADLINE_MS, "0"),
                        "BAD_DEADLINE"));
        s.add(
                dlq(
                        "absurd-deadline",
                        "coedge.deadline.ms is 1000 days",
                        good,
                        plus(FrameHeaders.DEADLINE_MS, "86400000000"),
                        "BAD_DEADLINE"));
        s.add(
                dlq(
                        "text-deadline",
                        "coedge.deadline.ms is 'soon'",
                        good,
                        plus(FrameHeaders.DEADLINE_MS, "soon"),
                        "BAD_DEADLINE"));
        s.add(
                dlq(
                        "unknown-origin",
                        "coedge.origin names no node",
                        good,
                        plus(FrameHeaders.ORIGIN, "edge-99"),
                        "BAD_ORIGIN"));
        s.add(
                dlq(
                        "non-utf8-origin",
                        "coedge.origin is not UTF-8",
                        good,
                        hexPlus(FrameHeaders.ORIGIN, "feff"),
                        "BAD_ORIGIN"));
        s.add(
                dlq(
                        "negative-sequence",
                        "coedge.frame is -1",
                        good,
                        plus(FrameHeaders.SEQUENCE, "-1"),
                        "BAD_SEQUENCE"));
        s.add(
                dlq(
                        "hex-sequence",
                        "coedge.frame is 0x10",
                        good,
                        plus(FrameHeaders.SEQUENCE, "0x10"),
                        "BAD_SEQUENCE"));
        List<String[]> dup = std();
        dup.add(new String[] {FrameHeaders.TASK, "walkers"});
        s.add(
                dlq(
                        "duplicate-task-header",
                        "coedge.task appears twice",
                        good,
                        dup,
                        "DUPLICATE_HEADER"));
        // Valid records that cannot run where they were sent.
        s.add(
                new Spec(
                        "model-served-by-no-sidecar",
                        "task ghosts uses ghost-model, which no sidecar serves: it cannot run anywhere",
                        "cam-8",
                        hs(
                                new String[] {FrameHeaders.TASK, "ghosts"},
                                new String[] {FrameHeaders.TIMESTAMP, NOW}),
                        good,
                        0,
                        Map.of("topic", "results", "status", "ERROR", "code", "UNKNOWN_MODEL")));
        s.add(
                new Spec(
                        "origin-without-sidecar",
                        "task orphans comes from edge-3, whose sidecar never answers: dispatch runs it on a healthy node",
                        "cam-9",
                        hs(
                                new String[] {FrameHeaders.TASK, "orphans"},
                                new String[] {FrameHeaders.TIMESTAMP, NOW}),
                        good,
                        0,
                        Map.of("topic", "results", "status", "OK", "notNode", "edge-3")));
        return s;
    }

    private static Spec dlq(
            String name, String description, String file, List<String[]> headers, String code) {
        return new Spec(
                name, description, "cam-1", headers, file, 0, Map.of("topic", "dlq", "code", code));
    }

    private static List<String[]> hs(String[]... headers) {
        return new ArrayList<>(List.of(headers));
    }

    /** The required headers of a good walkers frame. */
    private static List<String[]> std() {
        return hs(
                new String[] {FrameHeaders.TASK, "walkers"},
                new String[] {FrameHeaders.TIMESTAMP, NOW});
    }

    /** The required headers with one replaced. */
    private static List<String[]> with(String name, String value) {
        List<String[]> out = std();
        out.replaceAll(h -> h[0].equals(name) ? new String[] {name, value} : h);
        return out;
    }

    private static List<String[]> hexPlus(String name, String hex) {
        List<String[]> out = std();
        out.add(new String[] {name, null, hex});
        return out;
    }

    private static List<String[]> plus(String name, String value) {
        List<String[]> out = std();
        out.add(new String[] {name, value});
        return out;
    }

    // ---------------------------------------------------------------- loading

    /** Reads cases.yaml from the test resources. */
    @SuppressWarnings("unchecked")
    public static List<Case> load() throws IOException {
        Map<String, Object> root;
        try (InputStream in = BadInputCorpus.class.getResourceAsStream(RESOURCE + "cases.yaml")) {
            if (in == null) {
                throw new IOException("no resource " + RESOURCE + "cases.yaml");
            }
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        }
        List<Case> out = new ArrayList<>();
        for (Map<String, Object> c : (List<Map<String, Object>>) root.get("cases")) {
            byte[] key =
                    c.containsKey("keyHex")
                            ? HexFormat.of().parseHex((String) c.get("keyHex"))
                            : c.containsKey("key")
                                    ? ((String) c.get("key")).getBytes(StandardCharsets.UTF_8)
                                    : null;
            List<RawRecord.Header> headers = new ArrayList<>();
            for (Map<String, String> h : (List<Map<String, String>>) c.get("headers")) {
                byte[] bytes =
                        h.containsKey("hex")
                                ? HexFormat.of().parseHex(h.get("hex"))
                                : h.get("value") == null
                                        ? null
                                        : h.get("value").getBytes(StandardCharsets.UTF_8);
                headers.add(new RawRecord.Header(h.get("name"), bytes));
            }
            Map<String, Object> e = (Map<String, Object>) c.get("expect");
            Expect expect =
                    new Expect(
                            (String) e.get("topic"),
                            (String) e.get("code"),
                            (String) e.get("status"),
                            (String) e.get("notNode"));
            long size = c.containsKey("valueSize") ? ((Number) c.get("valueSize")).longValue() : 0;
            out.add(
                    new Case(
                            (String) c.get("name"),
                            (String) c.get("description"),
                            key,
                            headers,
                            (String) c.get("value"),
                            size,
                            expect));
        }
        return out;
    }

    /** The corpus's valid JPEG (64x48), which header cases carry. */
    public static byte[] goodImage() throws IOException {
        return new Case("good", "", null, List.of(), "good.jpg", 0, null).value();
    }

    /** The catalog the corpus is written against. */
    public static String catalog() throws IOException {
        try (InputStream in = BadInputCorpus.class.getResourceAsStream(RESOURCE + "catalog.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    // ---------------------------------------------------------------- images

    static byte[] jpeg(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(40, 90, 160));
        g.fillRect(0, 0, w, h);
        g.setColor(Color.ORANGE);
        g.fillOval(w / 4, h / 4, w / 2, h / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        return out.toByteArray();
    }

    static byte[] png(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.GREEN);
        g.fillRect(0, 0, w, h);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /**
     * Overwrites the body of the first DHT (Huffman table) segment with 0xFF bytes; markers stay
     * intact.
     */
    private static byte[] jpegGarbageSegment(byte[] jpeg) {
        byte[] d = jpeg.clone();
        int i = 2;
        while (i + 4 <= d.length) {
            int marker = d[i + 1] & 0xff;
            int length = ((d[i + 2] & 0xff) << 8) | (d[i + 3] & 0xff);
            if (marker == 0xc4) {
                for (int k = i + 4; k < i + 2 + length; k++) {
                    d[k] = (byte) 0x7f;
                }
                return d;
            }
            i += 2 + length;
        }
        throw new IllegalStateException("no DHT segment");
    }

    /** SOI, a baseline frame header declaring {@code w x h}, EOI: valid markers, no image data. */
    private static byte[] jpegBomb(int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(2 + 19 + 2);
        b.put((byte) 0xff).put((byte) 0xd8);
        b.put((byte) 0xff)
                .put((byte) 0xc0)
                .putShort((short) 17)
                .put((byte) 8)
                .putShort((short) h)
                .putShort((short) w)
                .put((byte) 3);
        for (int c = 1; c <= 3; c++) {
            b.put((byte) c).put((byte) 0x11).put((byte) 0);
        }
        b.put((byte) 0xff).put((byte) 0xd9);
        return b.array();
    }

    private static byte[] chunk(String type, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(12 + data.length);
        b.putInt(data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        b.put(t).put(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    private static byte[] ihdr(int w, int h) {
        return ByteBuffer.allocate(13)
                .putInt(w)
                .putInt(h)
                .put((byte) 8)
                .put((byte) 2)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0)
                .array();
    }

    private static final byte[] PNG_SIGNATURE = {
        (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
    };

    /** Signature, IHDR declaring {@code w x h} with a valid CRC, an empty IDAT, IEND. */
    private static byte[] pngWithSize(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PNG_SIGNATURE);
        out.writeBytes(chunk("IHDR", ihdr(w, h)));
        out.writeBytes(
                chunk("IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}));
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    private static byte[] pngIhdrBadCrc(byte[] png) {
        byte[] d = png.clone();
        d[8 + 8 + 13] ^= 0x55; // first CRC byte of IHDR
        return d;
    }

    /** A valid IHDR for 40x30 and an IDAT of bytes that are not zlib, with a valid chunk CRC. */
    private static byte[] pngIdatCorrupt(byte[] png) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PNG_SIGNATURE);
        out.writeBytes(chunk("IHDR", ihdr(40, 30)));
        byte[] garbage = new byte[64];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 37 + 11);
        }
        out.writeBytes(chunk("IDAT", garbage));
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }
}
