package io.coedge.jobs.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.CatalogLoader;
import io.coedge.format.DecodeResult;
import io.coedge.format.DecoderLimits;
import io.coedge.format.FrameDecoder;
import io.coedge.format.RawRecord;
import io.coedge.operators.pre.ImageDecodeException;
import io.coedge.operators.pre.Preprocessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed corpus is what the generator writes, and each case is refused where its manifest
 * says.
 */
class BadInputCorpusTest {
    private static final long NOW = 1_800_000_000_000L;

    @Test
    void committedCorpusIsWhatTheGeneratorWrites(@TempDir Path dir) throws Exception {
        BadInputCorpus.write(dir);
        Path committed = Path.of("src/test/resources/bad-input");
        assertThat(Files.readString(committed.resolve("cases.yaml")))
                .isEqualTo(Files.readString(dir.resolve("cases.yaml")));
        assertThat(Files.readString(committed.resolve("catalog.yaml")))
                .isEqualTo(Files.readString(dir.resolve("catalog.yaml")));
        Set<String> generated;
        try (var files = Files.list(dir)) {
            generated = files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
        for (String name : generated) {
            // Files cut from an encoder's output may differ by JDK; the hand-made ones must match
            // byte for byte.
            if (!name.startsWith("good")
                    && !name.startsWith("jpeg-truncated")
                    && !name.startsWith("jpeg-garbage")
                    && !name.equals("png-signature-only.png")
                    && !name.equals("png-ihdr-bad-crc.png")) {
                assertThat(committed.resolve(name))
                        .as(name)
                        .hasSameBinaryContentAs(dir.resolve(name));
            }
        }
    }

    @Test
    void corpusHasAtLeast25CasesEachSmallWithADistinctName() throws Exception {
        List<BadInputCorpus.Case> cases = BadInputCorpus.load();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(25);
        assertThat(cases).extracting(BadInputCorpus.Case::name).doesNotHaveDuplicates();
        for (BadInputCorpus.Case c : cases) {
            if (c.valueFile() != null) {
                assertThat(c.value().length).as(c.name()).isLessThan(4096);
            }
        }
    }

    /**
     * Decoder refusals get their code from the decoder; CORRUPT_IMAGE passes it and fails
     * pre-processing.
     */
    @Test
    void everyCaseIsRefusedByTheStepAndWithTheCodeItsManifestNames() throws Exception {
        Catalog catalog = CatalogLoader.parse("catalog.yaml", BadInputCorpus.catalog());
        FrameDecoder decoder = new FrameDecoder(catalog, DecoderLimits.defaults());
        Preprocessor pre = new Preprocessor(catalog.model("resnet").orElseThrow());
        Map<String, String> expected = new LinkedHashMap<>();
        Map<String, String> actual = new LinkedHashMap<>();
        for (BadInputCorpus.Case c : BadInputCorpus.load()) {
            RawRecord r = c.toRecord(NOW);
            RawRecord record = new RawRecord("frames", 0, 1, r.key(), r.value(), r.headers());
            DecodeResult result = decoder.decode(record, NOW);
            String outcome;
            if (result instanceof DecodeResult.Rejected rejected) {
                outcome = "dlq " + rejected.code();
            } else {
                try {
                    pre.apply(record.value());
                    outcome = "accepted";
                } catch (ImageDecodeException e) {
                    outcome = "dlq CORRUPT_IMAGE";
                }
            }
            actual.put(c.name(), outcome);
            expected.put(
                    c.name(), c.expect().deadLetter() ? "dlq " + c.expect().code() : "accepted");
        }
        assertThat(actual).containsExactlyEntriesOf(expected);
    }
}
