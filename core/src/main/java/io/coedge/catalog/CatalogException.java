package io.coedge.catalog;

import io.coedge.yaml.YamlException;

/**
 * A catalog that cannot be used. The message always names the file, the field (as a path such as
 * {@code tasks[2].deadlineMs}) and what is wrong, and where the file says it when that is known, so
 * a user can fix the YAML without reading code. The details are the reader's {@link YamlException},
 * which is also the cause.
 */
public final class CatalogException extends Exception {
    private final YamlException detail;

    CatalogException(YamlException detail) {
        super(detail.getMessage(), detail);
        this.detail = detail;
    }

    public String file() {
        return detail.file();
    }

    /** The field path, e.g. {@code tasks[2].deadlineMs}. */
    public String field() {
        return detail.path();
    }

    public String problem() {
        return detail.problem();
    }

    /** Line of the offending value, from 1; 0 when not known. */
    public int line() {
        return detail.line();
    }

    /** Column of the offending value, from 1; 0 when not known. */
    public int column() {
        return detail.column();
    }
}
