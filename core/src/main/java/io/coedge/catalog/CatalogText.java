package io.coedge.catalog;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A catalog's YAML text and where it came from: what distributed operators carry (it is
 * serialisable and small) and parse on open, so every TaskManager sees the same catalog without
 * needing the file.
 */
public record CatalogText(String name, String yaml, Map<String, List<String>> labelFiles)
        implements Serializable {

    public CatalogText {
        labelFiles = Map.copyOf(labelFiles);
    }

    public CatalogText(String name, String yaml) {
        this(name, yaml, Map.of());
    }

    /**
     * Reads and validates the file now, so a bad catalog fails before any job is submitted; the
     * class names of its {@code labelsFile}s travel with the text.
     */
    public static CatalogText read(Path file) throws CatalogException {
        Map<String, List<String>> labels = new HashMap<>();
        Catalog unused = CatalogLoader.load(file, labels);
        try {
            return new CatalogText(file.toString(), Files.readString(file), labels);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Catalog parse() {
        try {
            return CatalogLoader.parse(name, yaml, labelFiles);
        } catch (CatalogException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
