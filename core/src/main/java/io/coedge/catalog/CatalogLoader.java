package io.coedge.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Loads and validates a task catalog YAML (see docs/FORMATS.md). Every problem is reported as a
 * {@link CatalogException} naming the file, the field and what is wrong; nothing is silently
 * defaulted except the documented optional fields.
 */
public final class CatalogLoader {
  static final Set<String> RESIZE = Set.of("stretch", "letterbox");
  static final Set<String> CHANNEL_ORDER = Set.of("RGB", "BGR");
  static final Set<String> POSTPROCESS = Set.of("yolo", "classification");

  private static final ObjectMapper JSON = new ObjectMapper();

  private CatalogLoader() {}

  public static Catalog load(Path file) throws CatalogException {
    String name = file.toString();
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new CatalogException(name, "", "file not found");
    } catch (IOException e) {
      throw new CatalogException(name, "", "cannot be read: " + e.getMessage());
    }
    return parse(name, text);
  }

  /** Parses catalog YAML; {@code file} is only used to name the source in errors. */
  public static Catalog parse(String file, String yaml) throws CatalogException {
    JsonNode root;
    try {
      // SnakeYAML resolves anchors and aliases (Jackson's tree reader does not) and bounds alias
      // expansion; the result is then read field by field as a JSON tree.
      Object document = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
      root = document == null ? null : JSON.valueToTree(document);
    } catch (MarkedYAMLException e) {
      String where =
          e.getProblemMark() == null
              ? ""
              : " at line " + (e.getProblemMark().getLine() + 1) + ", column " + (e.getProblemMark().getColumn() + 1);
      throw new CatalogException(file, "", "is not valid YAML" + where + ": " + e.getProblem());
    } catch (YAMLException | IllegalArgumentException e) {
      throw new CatalogException(file, "", "is not valid YAML: " + e.getMessage());
    }
    YamlFields top = YamlFields.of(file, "", root);
    List<NodeSpec> nodes = new ArrayList<>();
    List<JsonNode> nodeItems = top.list("nodes", true);
    for (int i = 0; i < nodeItems.size(); i++) {
      nodes.add(node(top.element("nodes", i, nodeItems.get(i))));
    }
    List<ModelSpec> models = new ArrayList<>();
    List<JsonNode> modelItems = top.list("models", true);
    for (int i = 0; i < modelItems.size(); i++) {
      models.add(model(top.element("models", i, modelItems.get(i))));
    }
    List<TaskSpec> tasks = new ArrayList<>();
    List<JsonNode> taskItems = top.list("tasks", true);
    for (int i = 0; i < taskItems.size(); i++) {
      tasks.add(task(top.element("tasks", i, taskItems.get(i))));
    }
    YamlFields network = top.object("network", false);
    double bandwidth = 100;
    double latency = 2;
    if (network != null) {
      bandwidth = network.number("bandwidthMbps", 100.0, 0.001, 1e6);
      latency = network.number("latencyMs", 2.0, 0, 60_000);
      network.rejectUnknown();
    }
    List<LinkSpec> explicit = new ArrayList<>();
    List<JsonNode> linkItems = top.list("links", false);
    if (linkItems != null) {
      for (int i = 0; i < linkItems.size(); i++) {
        YamlFields l = top.element("links", i, linkItems.get(i));
        explicit.add(new LinkSpec(l.string("from"), l.string("to"), l.number("bandwidthMbps", null, 0.001, 1e6),
            l.number("latencyMs", latency, 0, 60_000)));
        l.rejectUnknown();
      }
    }
    top.rejectUnknown();
    crossCheck(file, nodes, models, tasks);
    return new Catalog(nodes, models, tasks, links(file, nodes, explicit, bandwidth, latency));
  }

  private static NodeSpec node(YamlFields f) throws CatalogException {
    String id = f.string("id");
    String sidecar = f.string("sidecar", "127.0.0.1:8001");
    int colon = sidecar.lastIndexOf(':');
    if (colon <= 0) {
      throw f.error("sidecar", "is '" + sidecar + "'; expected host:port");
    }
    try {
      int port = Integer.parseInt(sidecar.substring(colon + 1));
      if (port < 1 || port > 65535) {
        throw f.error("sidecar", "port " + port + " is outside 1 to 65535");
      }
    } catch (NumberFormatException e) {
      throw f.error("sidecar", "is '" + sidecar + "'; the port after ':' is not a number");
    }
    String accelerator = f.string("accelerator", "cpu");
    if (!accelerator.equals("cpu") && !accelerator.matches("cuda:\\d+")) {
      throw f.error("accelerator", "is '" + accelerator + "'; expected cpu or cuda:N");
    }
    f.rejectUnknown();
    return new NodeSpec(id, sidecar, accelerator);
  }

  private static ModelSpec model(YamlFields f) throws CatalogException {
    String name = f.string("name");
    int maxBatch = (int) f.integer("maxBatch", 8L, 1, 1024);
    YamlFields in = f.object("input", true);
    ModelSpec.InputSpec input =
        new ModelSpec.InputSpec(
            in.string("name", "input"),
            (int) in.integer("width", null, 1, 8192),
            (int) in.integer("height", null, 1, 8192),
            (int) in.integer("channels", 3L, 3, 3));
    in.rejectUnknown();
    YamlFields pre = f.object("preprocess", false);
    ModelSpec.Preprocess preprocess;
    List<Double> zeros = List.of(0.0, 0.0, 0.0);
    List<Double> ones = List.of(1.0, 1.0, 1.0);
    if (pre == null) {
      preprocess = new ModelSpec.Preprocess("stretch", 1.0 / 255.0, zeros, ones, "RGB");
    } else {
      preprocess =
          new ModelSpec.Preprocess(
              pre.oneOf("resize", "stretch", RESIZE),
              pre.number("scale", 1.0 / 255.0, 1e-9, 1e9),
              pre.numbers("mean", zeros, 3),
              pre.numbers("std", ones, 3),
              pre.oneOf("channelOrder", "RGB", CHANNEL_ORDER));
      for (int c = 0; c < 3; c++) {
        if (!(preprocess.std().get(c) > 0)) {
          throw pre.error("std", "entry " + c + " is " + preprocess.std().get(c) + "; must be > 0");
        }
      }
      pre.rejectUnknown();
    }
    YamlFields post = f.object("postprocess", true);
    String type = post.oneOf("type", null, POSTPROCESS);
    ModelSpec.Postprocess postprocess =
        new ModelSpec.Postprocess(
            type,
            post.strings("labels", true),
            post.number("confidence", 0.25, 0.0, 1.0),
            post.number("iou", 0.45, 0.0, 1.0),
            (int) post.integer("topK", 5L, 1, 1000));
    post.rejectUnknown();
    f.rejectUnknown();
    return new ModelSpec(name, input, preprocess, postprocess, maxBatch);
  }

  private static TaskSpec task(YamlFields f) throws CatalogException {
    String id = f.string("id");
    String model = f.string("model");
    List<String> cameras = f.strings("cameras", true);
    double fps = f.number("fps", null, 0.001, 1000);
    long deadline = f.integer("deadlineMs", null, 1, 3_600_000);
    String origin = f.string("origin");
    YamlFields frame = f.object("frame", false);
    int width = 640;
    int height = 480;
    if (frame != null) {
      width = (int) frame.integer("width", 640L, 16, 8192);
      height = (int) frame.integer("height", 480L, 16, 8192);
      frame.rejectUnknown();
    }
    // A camera JPEG at usual quality is about 1.5 bits per pixel.
    long inputBytes = f.integer("inputBytes", (long) width * height * 3 / 16, 1, 1L << 30);
    f.rejectUnknown();
    return new TaskSpec(id, model, List.copyOf(cameras), fps, deadline, origin, width, height, inputBytes);
  }

  private static void crossCheck(
      String file, List<NodeSpec> nodes, List<ModelSpec> models, List<TaskSpec> tasks)
      throws CatalogException {
    Set<String> nodeIds = new HashSet<>();
    Set<String> sidecars = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      NodeSpec n = nodes.get(i);
      if (!nodeIds.add(n.id())) {
        throw new CatalogException(file, "nodes[" + i + "].id", "duplicate node id '" + n.id() + "'");
      }
      if (!sidecars.add(n.sidecar())) {
        throw new CatalogException(
            file, "nodes[" + i + "].sidecar", "address " + n.sidecar() + " is used by another node");
      }
    }
    Set<String> modelNames = new HashSet<>();
    for (int i = 0; i < models.size(); i++) {
      ModelSpec m = models.get(i);
      if (!modelNames.add(m.name())) {
        throw new CatalogException(
            file, "models[" + i + "].name", "duplicate model name '" + m.name() + "'");
      }
    }
    Set<String> taskIds = new HashSet<>();
    Map<String, String> cameraOwner = new HashMap<>();
    for (int i = 0; i < tasks.size(); i++) {
      TaskSpec t = tasks.get(i);
      String at = "tasks[" + i + "]";
      if (!taskIds.add(t.id())) {
        throw new CatalogException(file, at + ".id", "duplicate task id '" + t.id() + "'");
      }
      if (!modelNames.contains(t.model())) {
        throw new CatalogException(
            file, at + ".model", "unknown model '" + t.model() + "'; models are " + sorted(modelNames));
      }
      if (!nodeIds.contains(t.origin())) {
        throw new CatalogException(
            file, at + ".origin", "unknown node '" + t.origin() + "'; nodes are " + sorted(nodeIds));
      }
      for (int c = 0; c < t.cameras().size(); c++) {
        String camera = t.cameras().get(c);
        String owner = cameraOwner.putIfAbsent(camera, t.id());
        if (owner != null) {
          throw new CatalogException(
              file,
              at + ".cameras[" + c + "]",
              "camera '" + camera + "' already feeds task '" + owner
                  + "'; a camera feeds one task per catalog (run a second job for a second task)");
        }
      }
    }
  }

  /** Explicit links win; every other ordered pair of nodes gets the network defaults. */
  private static List<LinkSpec> links(
      String file, List<NodeSpec> nodes, List<LinkSpec> explicit, double bandwidth, double latency)
      throws CatalogException {
    Map<String, LinkSpec> byPair = new HashMap<>();
    Set<String> ids = new HashSet<>();
    nodes.forEach(n -> ids.add(n.id()));
    for (int i = 0; i < explicit.size(); i++) {
      LinkSpec l = explicit.get(i);
      for (String end : List.of(l.from(), l.to())) {
        if (!ids.contains(end)) {
          throw new CatalogException(file, "links[" + i + "]", "unknown node '" + end + "'; nodes are " + sorted(ids));
        }
      }
      if (l.from().equals(l.to())) {
        throw new CatalogException(file, "links[" + i + "]", "a link joins two different nodes");
      }
      byPair.put(l.from() + "\u0000" + l.to(), l);
    }
    List<LinkSpec> all = new ArrayList<>();
    for (NodeSpec a : nodes) {
      for (NodeSpec b : nodes) {
        if (!a.id().equals(b.id())) {
          all.add(byPair.getOrDefault(a.id() + "\u0000" + b.id(), new LinkSpec(a.id(), b.id(), bandwidth, latency)));
        }
      }
    }
    return all;
  }

  private static List<String> sorted(Set<String> names) {
    return names.stream().sorted().toList();
  }
}
