package io.coedge.yaml;

/**
 * A YAML file that cannot be used: the message names the file, the field path (such as {@code
 * tasks[2].deadlineMs}), what is wrong and, when known, where, e.g. {@code config/x.yaml:
 * tasks[2].deadlineMs: must be a number, was 'soon' (line 14, column 17)}.
 */
public final class YamlException extends Exception {
    private final String file;
    private final String path;
    private final String problem;
    private final int line;
    private final int column;

    /** {@code line} and {@code column} count from 1; 0 when the place is not known. */
    public YamlException(String file, String path, String problem, int line, int column) {
        super(message(file, path, problem, line, column));
        this.file = file;
        this.path = path;
        this.problem = problem;
        this.line = line;
        this.column = column;
    }

    /** How every loader words a problem: {@code file: path: problem (line L, column C)}. */
    private static String message(String file, String path, String problem, int line, int column) {
        return file
                + ": "
                + (path.isEmpty() ? "" : path + ": ")
                + problem
                + (line > 0 ? " (line " + line + ", column " + column + ")" : "");
    }

    public String file() {
        return file;
    }

    public String path() {
        return path;
    }

    public String problem() {
        return problem;
    }

    /** Line of the offending value (or of the mapping that misses it), from 1; 0 if not known. */
    public int line() {
        return line;
    }

    /** Column of the offending value, from 1; 0 if not known. */
    public int column() {
        return column;
    }
}
