package io.coedge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every Kubernetes manifest under {@code deploy/} is one the current operators accept: a custom
 * resource names an API version its operator's CRD serves and validates against that version's
 * {@code openAPIV3Schema} (the CRDs are the operators' own, src/test/resources/crds/README.md),
 * with unknown fields refused where the schema lists the fields (what {@code kubectl apply}'s
 * strict field validation does); a built-in kind has the API version Kubernetes serves and its
 * required fields.
 */
class ManifestsSchemaTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CRD_FILES =
            List.of(
                    "flinkdeployments.flink.apache.org-v1.yml",
                    "strimzi-040-Crd-kafka.yaml",
                    "strimzi-043-Crd-kafkatopic.yaml",
                    "strimzi-045-Crd-kafkanodepool.yaml",
                    "monitoring.coreos.com_podmonitors.yaml");

    /** Built-in kinds: the API version Kubernetes serves, and the fields each needs. */
    private static final Map<String, BuiltIn> BUILT_IN =
            Map.of(
                    "Namespace", new BuiltIn("v1", List.of()),
                    "ConfigMap", new BuiltIn("v1", List.of("/data")),
                    "PersistentVolumeClaim",
                            new BuiltIn(
                                    "v1",
                                    List.of(
                                            "/spec/accessModes",
                                            "/spec/resources/requests/storage")),
                    "Service", new BuiltIn("v1", List.of("/spec/ports")),
                    "ServiceAccount", new BuiltIn("v1", List.of()),
                    "Deployment",
                            new BuiltIn(
                                    "apps/v1",
                                    List.of("/spec/selector", "/spec/template/spec/containers")),
                    "DaemonSet",
                            new BuiltIn(
                                    "apps/v1",
                                    List.of("/spec/selector", "/spec/template/spec/containers")),
                    "StatefulSet",
                            new BuiltIn(
                                    "apps/v1",
                                    List.of("/spec/selector", "/spec/template/spec/containers")));

    record BuiltIn(String apiVersion, List<String> required) {}

    /** "group/version kind" -> the served version's schema; "group kind" -> served versions. */
    private static final Map<String, Schema> SCHEMAS = new LinkedHashMap<>();

    private static final Map<String, List<String>> SERVED = new LinkedHashMap<>();

    private static final List<Doc> MANIFESTS = new ArrayList<>();

    record Doc(Path file, JsonNode node) {
        String kind() {
            return node.path("kind").asText();
        }

        String apiVersion() {
            return node.path("apiVersion").asText();
        }

        @Override
        public String toString() {
            return file + ": " + kind() + " " + node.path("metadata").path("name").asText();
        }
    }

    @BeforeAll
    static void load() throws IOException {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4);
        for (String file : CRD_FILES) {
            JsonNode crd;
            try (InputStream in = ManifestsSchemaTest.class.getResourceAsStream("/crds/" + file)) {
                crd = YAML.readTree(in);
            }
            String group = crd.path("spec").path("group").asText();
            String kind = crd.path("spec").path("names").path("kind").asText();
            for (JsonNode v : crd.path("spec").path("versions")) {
                if (!v.path("served").asBoolean()) {
                    continue;
                }
                String version = group + "/" + v.path("name").asText();
                SERVED.computeIfAbsent(group + " " + kind, k -> new ArrayList<>()).add(version);
                ObjectNode root = v.path("schema").path("openAPIV3Schema").deepCopy();
                // Every object has these at its root; CRDs may leave them out of the schema.
                ObjectNode props = root.with("properties");
                props.putIfAbsent("apiVersion", JSON.createObjectNode().put("type", "string"));
                props.putIfAbsent("kind", JSON.createObjectNode().put("type", "string"));
                props.putIfAbsent("metadata", JSON.createObjectNode().put("type", "object"));
                JsonNode schema = strict(root);
                SCHEMAS.put(
                        version + " " + kind,
                        registry.getSchema(JSON.writeValueAsString(schema), InputFormat.JSON));
            }
        }
        try (Stream<Path> files = Files.walk(Path.of("."))) {
            for (Path f : files.filter(ManifestsSchemaTest::isManifest).sorted().toList()) {
                try (var docs = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
                    while (docs.hasNext()) {
                        JsonNode doc = (JsonNode) docs.next();
                        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                            MANIFESTS.add(new Doc(f, doc));
                        }
                    }
                }
            }
        }
    }

    /** YAML files of deploy/ outside the build's own folders (src/, target/). */
    private static boolean isManifest(Path f) {
        String s = f.normalize().toString();
        return (s.endsWith(".yaml") || s.endsWith(".yml"))
                && !s.startsWith("src/")
                && !s.startsWith("target/");
    }

    /**
     * Unknown fields are refused wherever the schema lists an object's fields, unless it preserves
     * unknown ones ({@code x-kubernetes-preserve-unknown-fields}) or says what else it allows.
     */
    static JsonNode strict(JsonNode schema) {
        if (schema.isObject()) {
            ObjectNode o = (ObjectNode) schema;
            if (o.has("properties")
                    && !o.has("additionalProperties")
                    && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
                o.put("additionalProperties", false);
            }
            o.forEach(ManifestsSchemaTest::strict);
        } else if (schema.isArray()) {
            schema.forEach(ManifestsSchemaTest::strict);
        }
        return schema;
    }

    static List<String> problems(Doc doc) throws IOException {
        String apiVersion = doc.apiVersion();
        String kind = doc.kind();
        List<String> out = new ArrayList<>();
        if (apiVersion.isEmpty()
                || kind.isEmpty()
                || doc.node.at("/metadata/name").isMissingNode()) {
            out.add("needs apiVersion, kind and metadata.name");
            return out;
        }
        BuiltIn builtIn = BUILT_IN.get(kind);
        if (!apiVersion.contains("/") || builtIn != null && !apiVersion.contains(".")) {
            if (builtIn == null) {
                out.add("unknown built-in kind " + kind);
            } else if (!builtIn.apiVersion().equals(apiVersion)) {
                out.add(kind + " is served as " + builtIn.apiVersion() + ", not " + apiVersion);
            } else {
                for (String field : builtIn.required()) {
                    if (doc.node.at(field).isMissingNode()) {
                        out.add(kind + " needs " + field);
                    }
                }
            }
            return out;
        }
        String group = apiVersion.substring(0, apiVersion.indexOf('/'));
        List<String> served = SERVED.get(group + " " + kind);
        if (served == null) {
            out.add("no CRD of kind " + kind + " in group " + group);
            return out;
        }
        Schema schema = SCHEMAS.get(apiVersion + " " + kind);
        if (schema == null) {
            out.add(apiVersion + " is not served (the operator serves " + served + ")");
            return out;
        }
        for (var e : schema.validate(JSON.writeValueAsString(doc.node), InputFormat.JSON)) {
            out.add(e.getInstanceLocation() + ": " + e.getMessage());
        }
        return out;
    }

    @Test
    void everyManifestIsAcceptedByItsOperatorsSchemaOrIsAWellFormedBuiltIn() throws IOException {
        assertThat(MANIFESTS)
                .extracting(Doc::kind)
                .contains("FlinkDeployment", "Kafka", "KafkaTopic");
        Map<String, List<String>> problems = new LinkedHashMap<>();
        for (Doc doc : MANIFESTS) {
            List<String> p = problems(doc);
            if (!p.isEmpty()) {
                problems.put(doc.toString(), p);
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void theOldStrimziApiAndAMisspeltFieldAreRefused() throws IOException {
        Doc kafka =
                MANIFESTS.stream().filter(d -> d.kind().equals("Kafka")).findFirst().orElseThrow();
        ObjectNode old = kafka.node.deepCopy();
        old.put("apiVersion", "kafka.strimzi.io/v1beta2");
        assertThat(problems(new Doc(kafka.file, old)))
                .singleElement()
                .asString()
                .contains("kafka.strimzi.io/v1beta2 is not served");

        ObjectNode misspelt = kafka.node.deepCopy();
        ((ObjectNode) misspelt.at("/spec/kafka"))
                .set("listner", misspelt.at("/spec/kafka/listeners"));
        assertThat(problems(new Doc(kafka.file, misspelt))).anyMatch(p -> p.contains("listner"));

        Doc flink =
                MANIFESTS.stream()
                        .filter(d -> d.kind().equals("FlinkDeployment"))
                        .findFirst()
                        .orElseThrow();
        ObjectNode badVersion = flink.node.deepCopy();
        ((ObjectNode) badVersion.path("spec")).put("flinkVersion", "v9_9");
        assertThat(problems(new Doc(flink.file, badVersion)))
                .anyMatch(p -> p.contains("flinkVersion"));
    }
}
