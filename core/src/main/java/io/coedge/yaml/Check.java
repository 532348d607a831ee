package io.coedge.yaml;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Value checks for the compact constructors of the records a YAML file binds to. Jackson has
 * already checked the types (a string where a number belongs, an unknown field); these check what a
 * type cannot say: required fields, ranges, allowed words. Each returns the value, or the default
 * when an optional field is absent, and otherwise throws a {@link YamlProblem} naming the field,
 * worded {@code must ..., was ...}. A {@code null} default makes the field required.
 */
public final class Check {
    private Check() {}

    /** The value; "is missing (required)" when the file does not give it. */
    public static <T> T required(String field, T value) {
        if (value == null) {
            throw new YamlProblem(field, "is missing (required)");
        }
        return value;
    }

    /** Throws {@code problem} for {@code field} unless {@code ok}. */
    public static void that(boolean ok, String field, String problem) {
        if (!ok) {
            throw new YamlProblem(field, problem);
        }
    }

    /** A required string, trimmed, not empty. */
    public static String text(String field, String value) {
        String text = required(field, value).trim();
        that(!text.isEmpty(), field, "must not be empty");
        return text;
    }

    /** An optional string, trimmed, not empty when given. */
    public static String text(String field, String value, String fallback) {
        return value == null ? fallback : text(field, value);
    }

    /** A required list with at least one entry. */
    public static <T> List<T> list(String field, List<T> values) {
        that(!required(field, values).isEmpty(), field, "must list at least one entry");
        return List.copyOf(values);
    }

    /** A required list of at least one string, each trimmed and not empty. */
    public static List<String> texts(String field, List<String> values) {
        List<String> out = new ArrayList<>();
        for (String value : list(field, values)) {
            out.add(text(field + "[" + out.size() + "]", value));
        }
        return List.copyOf(out);
    }

    /** One of the {@code allowed} words. */
    public static String oneOf(String field, String value, String fallback, Set<String> allowed) {
        String text = fallback == null ? text(field, value) : text(field, value, fallback);
        that(
                allowed.contains(text),
                field,
                "must be one of " + new TreeSet<>(allowed) + ", was '" + text + "'");
        return text;
    }

    /** An integer from {@code min} to {@code max}. */
    public static long between(String field, Long value, Long fallback, long min, long max) {
        long v = required(field, value == null ? fallback : value);
        that(v >= min && v <= max, field, "must be from " + min + " to " + max + ", was " + v);
        return v;
    }

    /** A number from {@code min} to {@code max}. */
    public static double between(
            String field, Double value, Double fallback, double min, double max) {
        double v = required(field, value == null ? fallback : value);
        that(v >= min && v <= max, field, "must be from " + min + " to " + max + ", was " + v);
        return v;
    }

    /** A number above 0. */
    public static double positive(String field, Double value, Double fallback) {
        double v = required(field, value == null ? fallback : value);
        that(v > 0, field, "must be positive, was " + v);
        return v;
    }

    /** A number of at least 0. */
    public static double nonNegative(String field, Double value, Double fallback) {
        double v = required(field, value == null ? fallback : value);
        that(v >= 0, field, "must not be negative, was " + v);
        return v;
    }
}
