package io.coedge.cli;

import io.coedge.kafka.live.LiveFeed;
import io.coedge.kafka.live.LivePage;
import io.coedge.kafka.live.LiveState;
import io.coedge.topics.KafkaClients;
import io.coedge.topics.TopicsConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.BindException;

/** The live page of a command: its Kafka feed and its HTTP server, started and closed together. */
final class LiveView implements AutoCloseable {
    private final LiveFeed feed;
    private final LivePage page;

    private LiveView(LiveFeed feed, LivePage page) {
        this.feed = feed;
        this.page = page;
    }

    static LiveView start(
            String command,
            String bind,
            KafkaClients clients,
            TopicsConfig topics,
            boolean fromBeginning,
            int port,
            LiveState state,
            PrintWriter out) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("live page port must be 0..65535, not " + port);
        }
        LivePage page;
        try {
            page = new LivePage(bind, port, state, System::currentTimeMillis);
        } catch (BindException e) {
            throw new IllegalArgumentException(
                    "cannot serve the live page on "
                            + bind
                            + ":"
                            + port
                            + " ("
                            + e.getMessage()
                            + "); choose another port, or 0 for any free one");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LiveFeed feed;
        try {
            feed = new LiveFeed(clients.properties(), topics, fromBeginning, state).start();
        } catch (RuntimeException e) {
            page.close();
            throw e;
        }
        out.println("coedge " + command + ": live page " + page.uri());
        out.flush();
        return new LiveView(feed, page);
    }

    @Override
    public void close() {
        try {
            page.close();
        } finally {
            feed.close();
        }
    }
}
