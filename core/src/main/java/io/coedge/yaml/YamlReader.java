package io.coedge.yaml;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * The one way this project reads YAML (the task catalog, simulator scenarios). Jackson's YAML
 * parser reads the document into a tree, resolving aliases and bounding the size; Jackson binds the
 * tree to records, refusing unknown fields and values of the wrong type; the records' compact
 * constructors check values with {@link Check}; {@code build} turns the records into the caller's
 * model and checks cross-references. Whatever fails on the way becomes one {@link YamlException}
 * naming the file, the field path, the problem and the line and column.
 *
 * <p>Records a file binds to use boxed component types, so that an absent field arrives as {@code
 * null} and the compact constructor can default it or call it missing.
 */
public final class YamlReader {
    /** Largest document read, in code points; our files are a few KiB. */
    public static final int MAX_CODE_POINTS = 1 << 20;

    /** Deepest nesting of mappings and lists; our formats need six levels. */
    public static final int MAX_DEPTH = 32;

    /**
     * Most values a document may hold with its aliases expanded: where a "billion laughs" stops.
     */
    public static final long MAX_VALUES = 1_000_000;

    private static final YAMLFactory YAML =
            YAMLFactory.builder()
                    .loaderOptions(loaderOptions())
                    // "links:" with nothing after it is absent, as YAML has it (the builder leaves
                    // this default off)
                    .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
                    .streamReadConstraints(
                            StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                    .build();

    private static final ObjectMapper MAPPER =
            JsonMapper.builder()
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT) // 1.5 is not an integer
                    .disable(
                            MapperFeature.ALLOW_COERCION_OF_SCALARS) // nor is "5" (quoted) a number
                    .defaultSetterInfo(
                            JsonSetter.Value.forContentNulls(Nulls.FAIL)) // no empty list entries
                    .build();

    private static final Set<Class<?>> INTEGERS =
            Set.of(
                    Integer.class,
                    Long.class,
                    Short.class,
                    Byte.class,
                    BigInteger.class,
                    int.class,
                    long.class,
                    short.class,
                    byte.class);

    private YamlReader() {}

    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CODE_POINTS);
        // SnakeYAML's limits on aliases, nesting and duplicate keys live in its composer and
        // constructor,
        // which Jackson's streaming parser does not use: the nesting depth is Jackson's constraint
        // above,
        // aliases and duplicate keys are handled by the Tree below.
        return options;
    }

    /** Reads the file at {@code path}; {@code name} names it in messages. */
    public static <T, R> R read(
            Path path, String name, Class<T> type, Function<? super T, ? extends R> build)
            throws YamlException {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new YamlException(name, "", "file not found", 0, 0);
        } catch (IOException e) {
            throw new YamlException(name, "", "cannot be read: " + e, 0, 0);
        }
        return read(name, text, type, build);
    }

    /**
     * Binds {@code yaml} to {@code type} and applies {@code build}, which may throw {@link
     * YamlProblem} with a whole path; {@code file} names the source in messages.
     */
    public static <T, R> R read(
            String file, String yaml, Class<T> type, Function<? super T, ? extends R> build)
            throws YamlException {
        Tree tree = new Tree();
        try (YAMLParser parser = (YAMLParser) YAML.createParser(yaml)) {
            JsonNode root = tree.document(parser);
            return build.apply(MAPPER.treeToValue(root, type));
        } catch (YamlProblem e) {
            throw tree.error(file, e.path(), e.problem());
        } catch (JsonMappingException e) {
            throw bindingError(file, e, tree);
        } catch (JsonProcessingException e) { // from the parser: not YAML, or over a limit
            JsonLocation at = e.getLocation();
            String problem =
                    e.getCause() instanceof MarkedYAMLException m
                            ? "is not valid YAML: "
                                    + (m.getContext() == null ? "" : m.getContext() + ": ")
                                    + m.getProblem()
                            : e.getOriginalMessage();
            throw new YamlException(
                    file,
                    "",
                    problem,
                    at == null ? 0 : at.getLineNr(),
                    at == null ? 0 : at.getColumnNr());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from reading a String
        }
    }

    /** What Jackson found wrong while binding, worded as {@link Check} words it. */
    private static YamlException bindingError(String file, JsonMappingException e, Tree tree) {
        String path = "";
        JsonNode value = tree.root;
        for (JsonMappingException.Reference ref : e.getPath()) {
            String name = ref.getFieldName();
            path = name != null ? join(path, name) : path + "[" + ref.getIndex() + "]";
            value =
                    value == null
                            ? null
                            : name != null ? value.get(name) : value.get(ref.getIndex());
        }
        Throwable cause = e.getCause();
        if (e instanceof ValueInstantiationException v
                && v.getType().isRecordType()
                && value != null) {
            // Jackson reports unknown fields only once the record is built; a misspelt field is
            // better news
            // than the "missing" one its constructor found.
            Set<String> known = new TreeSet<>();
            Arrays.stream(v.getType().getRawClass().getRecordComponents())
                    .forEach(c -> known.add(c.getName()));
            for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!known.contains(name)) {
                    return tree.error(
                            file, join(path, name), "unknown field; expected one of " + known);
                }
            }
        }
        if (cause instanceof YamlProblem p) { // thrown by a record's compact constructor
            return tree.error(file, join(path, p.path()), p.problem());
        }
        if (e instanceof UnrecognizedPropertyException u) {
            return tree.error(
                    file,
                    path,
                    "unknown field; expected one of "
                            + u.getKnownPropertyIds().stream()
                                    .map(String::valueOf)
                                    .sorted()
                                    .toList());
        }
        if (e instanceof InvalidNullException) {
            return tree.error(file, path, "must not be empty");
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return tree.error(
                    file, path, "must be " + kind(m.getTargetType()) + ", was " + describe(value));
        }
        String problem =
                cause instanceof JsonProcessingException j
                        ? j.getOriginalMessage()
                        : cause != null ? cause.getMessage() : e.getOriginalMessage();
        return tree.error(file, path, problem);
    }

    private static String join(String path, String child) {
        if (path.isEmpty() || child.isEmpty()) {
            return path + child;
        }
        return child.startsWith("[") ? path + child : path + "." + child;
    }

    private static String kind(Class<?> type) {
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (INTEGERS.contains(type)) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (CharSequence.class.isAssignableFrom(type) || type.isEnum()) {
            return "a string";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a list";
        }
        return "a mapping";
    }

    private static String describe(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "nothing";
        }
        if (value.isTextual()) {
            return "'" + value.textValue() + "'";
        }
        if (value.isArray()) {
            return "a list";
        }
        if (value.isObject()) {
            return "a mapping";
        }
        return value.asText();
    }

    /**
     * The document as a Jackson tree, and where each value stands in the file, by path. An alias is
     * the anchored node itself (the tree shares it), so expanding costs nothing until binding walks
     * it; the count of values with aliases expanded is kept and bounded by {@link #MAX_VALUES}.
     */
    private static final class Tree {
        private final Map<String, JsonLocation> places = new HashMap<>();
        private final Map<String, Anchored> anchors = new HashMap<>();
        private YAMLParser parser;
        private JsonNode root;
        private long values;

        private record Anchored(JsonNode node, long values) {}

        JsonNode document(YAMLParser p) throws IOException {
            parser = p;
            if (p.nextToken() == null) {
                throw new YamlProblem("", "is empty; expected a mapping");
            }
            root = value("");
            if (p.nextToken() != null) {
                throw new JsonParseException(p, "holds a second YAML document; a file holds one");
            }
            return root;
        }

        private JsonNode value(String path) throws IOException {
            places.put(path, parser.currentTokenLocation());
            if (parser.isCurrentAlias()) {
                Anchored target = anchors.get(parser.getText());
                if (target == null) {
                    throw new YamlProblem(
                            path,
                            "alias *"
                                    + parser.getText()
                                    + " names no anchor before it (anchors work on mappings and lists)");
                }
                count(path, target.values());
                return target.node();
            }
            String anchor = parser.getObjectId();
            long before = values;
            JsonNode node =
                    switch (parser.currentToken()) {
                        case START_OBJECT -> mapping(path);
                        case START_ARRAY -> list(path);
                        default -> MAPPER.readTree(parser); // a scalar
                    };
            count(path, 1);
            if (anchor != null) {
                anchors.put(anchor, new Anchored(node, values - before));
            }
            return node;
        }

        private ObjectNode mapping(String path) throws IOException {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                String at = join(path, name);
                parser.nextToken();
                if (node.has(name)) {
                    places.put(at, parser.currentTokenLocation());
                    throw new YamlProblem(at, "is given twice in one mapping");
                }
                node.set(name, value(at));
            }
            return node;
        }

        private ArrayNode list(String path) throws IOException {
            ArrayNode node = JsonNodeFactory.instance.arrayNode();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                node.add(value(path + "[" + node.size() + "]"));
            }
            return node;
        }

        private void count(String path, long more) {
            values += more;
            if (values > MAX_VALUES) {
                throw new YamlProblem(
                        path,
                        "with its aliases expanded the document holds more than "
                                + MAX_VALUES
                                + " values; refused");
            }
        }

        /**
         * The problem at the place of {@code path}, or of the nearest enclosing value the file
         * gives.
         */
        YamlException error(String file, String path, String problem) {
            for (String at = path; ; at = parent(at)) {
                JsonLocation place = places.get(at);
                if (place != null) {
                    return new YamlException(
                            file, path, problem, place.getLineNr(), place.getColumnNr());
                }
                if (at.isEmpty()) {
                    return new YamlException(file, path, problem, 0, 0);
                }
            }
        }

        private static String parent(String path) {
            int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
            return cut < 0 ? "" : path.substring(0, cut);
        }
    }
}
