package io.coedge.scheduler.sim;

import io.coedge.yaml.YamlException;

/**
 * A scenario file that cannot be used; the message names the file, the offending field, the problem
 * and, when known, the line and column. The details are the reader's {@link YamlException}, the
 * cause.
 */
public final class ScenarioException extends RuntimeException {
    ScenarioException(YamlException detail) {
        super(detail.getMessage(), detail);
    }

    /** File, field path, problem, line and column. */
    public YamlException detail() {
        return (YamlException) getCause();
    }
}
