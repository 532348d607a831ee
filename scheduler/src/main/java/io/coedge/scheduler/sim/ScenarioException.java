package io.coedge.scheduler.sim;

import io.coedge.yaml.YamlException;

/**
 * A scenario file that cannot be used; the message names the file, the offending field, the problem
 * and, when known, the line and column.
 */
public final class ScenarioException extends RuntimeException {

    private final String file;
    private final String field;
    private final String problem;
    private final int line;
    private final int column;

    public ScenarioException(String file, String field, String problem) {
        this(file, field, problem, 0, 0, null);
    }

    ScenarioException(YamlException e) {
        this(e.file(), e.path(), e.problem(), e.line(), e.column(), e);
    }

    private ScenarioException(
            String file, String field, String problem, int line, int column, Throwable cause) {
        super(YamlException.message(file, field, problem, line, column), cause);
        this.file = file;
        this.field = field;
        this.problem = problem;
        this.line = line;
        this.column = column;
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
