package io.coedge.yaml;

/**
 * A value a YAML file states that its format does not allow. Thrown by {@link Check} from the
 * compact constructors of the records a file binds to (then {@code path} is relative to that
 * record, often just the field name) and by the function that builds the result from them (then it
 * is the whole path, such as {@code tasks[2].model}). {@link YamlReader} turns it into a {@link
 * YamlException}.
 */
public final class YamlProblem extends IllegalArgumentException {
    private final String path;
    private final String problem;

    public YamlProblem(String path, String problem) {
        super((path.isEmpty() ? "" : path + ": ") + problem);
        this.path = path;
        this.problem = problem;
    }

    public String path() {
        return path;
    }

    public String problem() {
        return problem;
    }
}
