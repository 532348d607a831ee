package io.coedge.catalog;

import io.coedge.yaml.YamlException;

/**
 * A catalog that cannot be used. The message always names the file, the field (as a path such as
 * {@code tasks[2].deadlineMs}) and what is wrong, and where the file says it when that is known, so
 * a user can fix the YAML without reading code.
 */
public final class CatalogException extends Exception {
    private final String file;
    private final String field;
    private final String problem;
    private final int line;
    private final int column;

    public CatalogException(String file, String field, String problem) {
        this(file, field, problem, 0, 0);
    }

    private CatalogException(String file, String field, String problem, int line, int column) {
        super(YamlException.message(file, field, problem, line, column));
        this.file = file;
        this.field = field;
        this.problem = problem;
        this.line = line;
        this.column = column;
    }

    CatalogException(YamlException e) {
        this(e.file(), e.path(), e.problem(), e.line(), e.column());
        initCause(e);
    }

    public String file() {
        return file;
    }

    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }

    /** Line of the offending value, from 1; 0 when not known. */
    public int line() {
        return line;
    }

    /** Column of the offending value, from 1; 0 when not known. */
    public int column() {
        return column;
    }
}
