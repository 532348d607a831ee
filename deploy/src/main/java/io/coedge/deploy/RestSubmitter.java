package io.coedge.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Submits a job jar to a Flink session cluster through its REST API, the way {@code flink run}
 * and the web UI do: {@code POST /jars/upload} (multipart, field {@code jarfile}), then
 * {@code POST /jars/{id}/run} with the entry class and program arguments; the cluster runs the
 * jar's main() and answers with the job id. Plus job status and cancellation.
 */
public final class RestSubmitter {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A job's state and the state of each of its vertices. */
  public record JobStatus(String id, String name, String state, Map<String, String> vertices) {
    public boolean isTerminal() {
      return Set.of("FAILED", "CANCELED", "FINISHED").contains(state);
    }

    /** RUNNING, with every vertex RUNNING too (tasks deployed, not just scheduled). */
    public boolean isFullyRunning() {
      return "RUNNING".equals(state) && !vertices.isEmpty() && vertices.values().stream().allMatch("RUNNING"::equals);
    }
  }

  /** A failed REST call: Flink's own error text. */
  public static final class RestException extends IOException {
    public RestException(String message) {
      super(message);
    }
  }

  private final URI base;
  private final HttpClient http;

  public RestSubmitter(String restUrl) {
    this.base = URI.create(restUrl.endsWith("/") ? restUrl : restUrl + "/");
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** Uploads and runs a jar; returns the job id. */
  public String submit(Path jar, String entryClass, List<String> programArgs) throws IOException, InterruptedException {
    return run(upload(jar), entryClass, programArgs);
  }

  /** {@code POST /jars/upload}; returns the jar id the cluster gave it. */
  public String upload(Path jar) throws IOException, InterruptedException {
    if (!Files.isRegularFile(jar)) {
      throw new IOException("job jar " + jar + " not found; build it with `mvn -pl jobs -am package -DskipTests` "
          + "(or run ./coedge once)");
    }
    String boundary = "coedge-" + UUID.randomUUID();
    String head = "--" + boundary + "\r\n"
        + "Content-Disposition: form-data; name=\"jarfile\"; filename=\"" + jar.getFileName() + "\"\r\n"
        + "Content-Type: application/x-java-archive\r\n\r\n";
    String tail = "\r\n--" + boundary + "--\r\n";
    HttpRequest request = HttpRequest.newBuilder(base.resolve("jars/upload"))
        .timeout(Duration.ofMinutes(5))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.concat(
            HttpRequest.BodyPublishers.ofString(head, StandardCharsets.UTF_8),
            HttpRequest.BodyPublishers.ofFile(jar),
            HttpRequest.BodyPublishers.ofString(tail, StandardCharsets.UTF_8)))
        .build();
    JsonNode answer = send(request);
    String filename = answer.path("filename").asText("");
    if (!"success".equals(answer.path("status").asText()) || filename.isEmpty()) {
      throw new RestException("upload of " + jar + " failed: " + answer);
    }
    return Path.of(filename).getFileName().toString();
  }

  /** {@code POST /jars/{id}/run}; returns the job id. */
  public String run(String jarId, String entryClass, List<String> programArgs) throws IOException, InterruptedException {
    ObjectNode body = JSON.createObjectNode();
    body.put("entryClass", entryClass);
    body.set("programArgsList", JSON.valueToTree(programArgs));
    HttpRequest request = HttpRequest.newBuilder(base.resolve("jars/" + jarId + "/run"))
        .timeout(Duration.ofMinutes(5))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
        .build();
    String jobId = send(request).path("jobid").asText("");
    if (jobId.isEmpty()) {
      throw new RestException("the cluster accepted " + jarId + " but returned no job id");
    }
    return jobId;
  }

  /** {@code GET /jobs/{id}}. */
  public JobStatus status(String jobId) throws IOException, InterruptedException {
    JsonNode job = get("jobs/" + jobId);
    Map<String, String> vertices = new LinkedHashMap<>();
    for (JsonNode v : job.path("vertices")) {
      vertices.put(v.path("name").asText(), v.path("status").asText());
    }
    return new JobStatus(jobId, job.path("name").asText(), job.path("state").asText(), vertices);
  }

  /**
   * Polls until every vertex of the job runs. Fails with the job's root exception when it
   * reaches a terminal state first.
   */
  public JobStatus awaitRunning(String jobId, Duration timeout) throws IOException, InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    JobStatus last = null;
    while (System.nanoTime() < until) {
      last = status(jobId);
      if (last.isFullyRunning()) {
        return last;
      }
      if (last.isTerminal()) {
        throw new RestException("job " + jobId + " is " + last.state() + ": " + rootException(jobId));
      }
      Thread.sleep(250);
    }
    throw new RestException("job " + jobId + " not running within " + timeout.toSeconds() + " s: " + last);
  }

  /** The first line of the job's most recent root exception, or "none". */
  public String rootException(String jobId) throws IOException, InterruptedException {
    JsonNode ex = get("jobs/" + jobId + "/exceptions");
    JsonNode entries = ex.path("exceptionHistory").path("entries");
    String text = entries.size() > 0 ? entries.get(0).path("stacktrace").asText("") : ex.path("root-exception").asText("");
    return text.isEmpty() ? "none" : text.lines().findFirst().orElse(text);
  }

  /** {@code PATCH /jobs/{id}?mode=cancel}. */
  public void cancel(String jobId) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(base.resolve("jobs/" + jobId + "?mode=cancel"))
        .timeout(Duration.ofSeconds(30))
        .method("PATCH", HttpRequest.BodyPublishers.noBody())
        .build();
    send(request);
  }

  /** Ids of the registered TaskManagers ({@code GET /taskmanagers}). */
  public List<String> taskManagers() throws IOException, InterruptedException {
    List<String> ids = new ArrayList<>();
    get("taskmanagers").path("taskmanagers").forEach(tm -> ids.add(tm.path("id").asText()));
    return ids;
  }

  /** {@code GET path} (relative to the REST root) as JSON. */
  public JsonNode get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build());
  }

  /** Whether the REST endpoint answers at all. */
  public boolean isUp() {
    try {
      get("config");
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private JsonNode send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (ConnectException e) {
      throw new RestException("no Flink cluster answers at " + base + " (is it up? `coedge cluster up`)");
    }
    JsonNode body = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
    if (response.statusCode() / 100 != 2) {
      throw new RestException(request.method() + " " + request.uri().getPath() + " answered " + response.statusCode()
          + ": " + errors(body));
    }
    return body;
  }

  /** Flink's {@code {"errors": [...]}}, first lines only (the rest is a server-side stack trace). */
  private static String errors(JsonNode body) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : body.path("errors")) {
      e.asText().lines().filter(l -> !l.isBlank() && !l.startsWith("\tat ")).limit(6).forEach(out::add);
    }
    return out.isEmpty() ? body.toString() : String.join(" | ", out);
  }
}
