package io.coedge.catalog;

/**
 * A catalog that cannot be used. The message always names the file, the field (as a path such as
 * {@code tasks[2].deadlineMs}) and what is wrong, so a user can fix the YAML without reading code.
 */
public final class CatalogException extends Exception {
  private final String file;
  private final String field;
  private final String problem;

  public CatalogException(String file, String field, String problem) {
    super(file + ": " + (field.isEmpty() ? "" : field + ": ") + problem);
    this.file = file;
    this.field = field;
    this.problem = problem;
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
}
