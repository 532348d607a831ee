package io.coedge.catalog;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A catalog's YAML text and where it came from: what distributed operators carry (it is
 * serialisable and small) and parse on open, so every TaskManager sees the same catalog without
 * needing the file.
 */
public record CatalogText(String name, String yaml) implements Serializable {

    /** Reads and validates the file now, so a bad catalog fails before any job is submitted. */
    public static CatalogText read(Path file) throws CatalogException {
        Catalog unused = CatalogLoader.load(file);
        try {
            return new CatalogText(file.toString(), Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Catalog parse() {
        try {
            return CatalogLoader.parse(name, yaml);
        } catch (CatalogException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
