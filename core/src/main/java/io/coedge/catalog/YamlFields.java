package io.coedge.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads one YAML mapping field by field, so that every error can name the file, the field path
 * and what is wrong, and so that a field nobody reads (a typo) is an error rather than ignored.
 */
final class YamlFields {
  private final String file;
  private final String path;
  private final JsonNode node;
  private final Set<String> known = new TreeSet<>();

  private YamlFields(String file, String path, JsonNode node) {
    this.file = file;
    this.path = path;
    this.node = node;
  }

  static YamlFields of(String file, String path, JsonNode node) throws CatalogException {
    if (node == null || node.isNull() || node.isMissingNode()) {
      throw new CatalogException(file, path, "is empty; expected a mapping");
    }
    if (!node.isObject()) {
      throw new CatalogException(file, path, "expected a mapping but found " + describe(node));
    }
    return new YamlFields(file, path, node);
  }

  String path() {
    return path;
  }

  CatalogException error(String field, String problem) {
    return new CatalogException(file, child(field), problem);
  }

  private String child(String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  private JsonNode get(String field, boolean required) throws CatalogException {
    known.add(field);
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw error(field, "is missing (required)");
      }
      return null;
    }
    return value;
  }

  String string(String field) throws CatalogException {
    return string(field, null, true);
  }

  String string(String field, String fallback) throws CatalogException {
    return string(field, fallback, false);
  }

  private String string(String field, String fallback, boolean required) throws CatalogException {
    JsonNode value = get(field, required);
    if (value == null) {
      return fallback;
    }
    if (!value.isTextual() && !value.isNumber() && !value.isBoolean()) {
      throw error(field, "expected a string but found " + describe(value));
    }
    String text = value.asText().trim();
    if (text.isEmpty()) {
      throw error(field, "must not be empty");
    }
    return text;
  }

  String oneOf(String field, String fallback, Set<String> allowed) throws CatalogException {
    String text = string(field, fallback, fallback == null);
    if (!allowed.contains(text)) {
      throw error(field, "is '" + text + "'; expected one of " + new TreeSet<>(allowed));
    }
    return text;
  }

  long integer(String field, Long fallback, long min, long max) throws CatalogException {
    JsonNode value = get(field, fallback == null);
    if (value == null) {
      return fallback;
    }
    if (!value.isIntegralNumber()) {
      throw error(field, "expected an integer but found " + describe(value));
    }
    long v = value.asLong();
    if (v < min || v > max) {
      throw error(field, "is " + v + "; expected " + min + " to " + max);
    }
    return v;
  }

  double number(String field, Double fallback, double min, double max) throws CatalogException {
    JsonNode value = get(field, fallback == null);
    if (value == null) {
      return fallback;
    }
    if (!value.isNumber()) {
      throw error(field, "expected a number but found " + describe(value));
    }
    double v = value.asDouble();
    if (!(v >= min && v <= max)) {
      throw error(field, "is " + v + "; expected " + min + " to " + max);
    }
    return v;
  }

  /** A list field; null when absent and not required. */
  List<JsonNode> list(String field, boolean required) throws CatalogException {
    JsonNode value = get(field, required);
    if (value == null) {
      return null;
    }
    if (!value.isArray()) {
      throw error(field, "expected a list but found " + describe(value));
    }
    if (required && value.isEmpty()) {
      throw error(field, "must list at least one entry");
    }
    List<JsonNode> items = new ArrayList<>();
    value.forEach(items::add);
    return items;
  }

  List<String> strings(String field, boolean required) throws CatalogException {
    List<JsonNode> items = list(field, required);
    if (items == null) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      if (!item.isTextual() && !item.isNumber()) {
        throw new CatalogException(
            file, child(field) + "[" + i + "]", "expected a string but found " + describe(item));
      }
      String text = item.asText().trim();
      if (text.isEmpty()) {
        throw new CatalogException(file, child(field) + "[" + i + "]", "must not be empty");
      }
      out.add(text);
    }
    return out;
  }

  List<Double> numbers(String field, List<Double> fallback, int size) throws CatalogException {
    List<JsonNode> items = list(field, false);
    if (items == null) {
      return fallback;
    }
    if (items.size() != size) {
      throw error(field, "has " + items.size() + " entries; expected " + size);
    }
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      if (!items.get(i).isNumber()) {
        throw new CatalogException(
            file, child(field) + "[" + i + "]", "expected a number but found " + describe(items.get(i)));
      }
      out.add(items.get(i).asDouble());
    }
    return out;
  }

  /** A nested mapping; null when absent and not required. */
  YamlFields object(String field, boolean required) throws CatalogException {
    JsonNode value = get(field, required);
    if (value == null) {
      return null;
    }
    return of(file, child(field), value);
  }

  YamlFields element(String field, int index, JsonNode item) throws CatalogException {
    return of(file, child(field) + "[" + index + "]", item);
  }

  /** Call after reading every field: any field left unread is an unknown field. */
  void rejectUnknown() throws CatalogException {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!known.contains(name)) {
        throw error(name, "unknown field; expected one of " + known);
      }
    }
  }

  static String describe(JsonNode node) {
    if (node.isTextual()) {
      return "the string '" + node.asText() + "'";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isObject()) {
      return "a mapping";
    }
    if (node.isBoolean()) {
      return "the boolean " + node.asText();
    }
    if (node.isNumber()) {
      return "the number " + node.asText();
    }
    return node.getNodeType().name().toLowerCase();
  }
}
