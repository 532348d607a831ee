package io.coedge.kafka.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The live page: a static page and script that poll {@code /api/state} (a {@link LiveState}
 * snapshot as JSON) once a second and {@code /api/frame?camera=ID} for the latest frame of each
 * camera, drawn under its boxes in the browser. JDK HTTP server, bound to the address given
 * (127.0.0.1 by default in every command), a few threads, GET only.
 */
public final class LivePage implements AutoCloseable {
    private static final Map<String, String> STATIC =
            Map.of(
                    "/", "index.html",
                    "/index.html", "index.html",
                    "/live.js", "live.js",
                    "/live.css", "live.css",
                    "/favicon.ico", "favicon.svg",
                    "/favicon.svg", "favicon.svg");

    static {
        // A client that sends half a request must not hold a thread for long (JDK defaults: none).
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", "10");
        }
        if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
            System.setProperty("sun.net.httpserver.maxRspTime", "30");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final LiveState state;
    private final LongSupplier clock;
    private final ObjectMapper mapper = new ObjectMapper();

    /**
     * @param bind address to listen on
     * @param port port, 0 for any free one
     */
    public LivePage(String bind, int port, LiveState state, LongSupplier clock) throws IOException {
        this.state = state;
        this.clock = clock;
        server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        AtomicInteger n = new AtomicInteger();
        executor =
                Executors.newFixedThreadPool(
                        4,
                        r -> {
                            Thread t = new Thread(r, "coedge-live-page-" + n.getAndIncrement());
                            t.setDaemon(true);
                            return t;
                        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The page's address, e.g. {@code http://127.0.0.1:8090/}. */
    public URI uri() {
        InetSocketAddress a = server.getAddress();
        return URI.create("http://" + a.getHostString() + ":" + a.getPort() + "/");
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n".getBytes());
                return;
            }
            String path = ex.getRequestURI().getPath();
            if (path.equals("/api/state")) {
                byte[] json = mapper.writeValueAsBytes(state.snapshot(clock.getAsLong()));
                send(ex, 200, "application/json", json);
            } else if (path.equals("/api/frame")) {
                String camera = query(ex.getRequestURI(), "camera");
                byte[] image = camera == null ? null : state.image(camera);
                if (image == null) {
                    send(ex, 404, "text/plain; charset=utf-8", "no frame yet\n".getBytes());
                } else {
                    send(ex, 200, imageType(image), image);
                }
            } else if (STATIC.containsKey(path)) {
                String name = STATIC.get(path);
                send(ex, 200, contentType(name), resource(name));
            } else {
                send(ex, 404, "text/plain; charset=utf-8", "not found\n".getBytes());
            }
        } catch (IOException | RuntimeException e) {
            // The client went away, or a snapshot failed: nothing else to tell it.
        }
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body)
            throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders()
                .set(
                        "Content-Security-Policy",
                        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'");
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String query(URI uri, String key) {
        String q = uri.getRawQuery();
        if (q == null) {
            return null;
        }
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(key)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    static String imageType(byte[] image) {
        if (image.length > 3 && (image[0] & 0xff) == 0x89 && image[1] == 'P') {
            return "image/png";
        }
        return "image/jpeg";
    }

    private static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        return "image/svg+xml";
    }

    private static byte[] resource(String name) {
        try (InputStream in = LivePage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing page resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
