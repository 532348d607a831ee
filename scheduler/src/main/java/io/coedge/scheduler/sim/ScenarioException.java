package io.coedge.scheduler.sim;

/** A scenario file that cannot be used; the message names the file and the offending field. */
public final class ScenarioException extends RuntimeException {

    private final String file;
    private final String field;

    public ScenarioException(String file, String field, String problem) {
        super(file + ": " + (field.isEmpty() ? "" : field + ": ") + problem);
        this.file = file;
        this.field = field;
    }

    public String file() {
        return file;
    }

    public String field() {
        return field;
    }
}
