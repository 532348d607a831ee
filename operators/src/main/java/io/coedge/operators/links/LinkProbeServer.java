package io.coedge.operators.links;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * The receiving end of a node's link probes, on the node's own address: each request is a 4-byte
 * length and that many bytes, answered with one byte once all of them arrived, so the sender times
 * the whole payload's way and one byte's way back. At most {@link #MAX_CONNECTIONS} peers at once
 * and {@link #MAX_PAYLOAD} bytes per request; a connection idle for {@link #IDLE_MS} is closed.
 */
final class LinkProbeServer implements AutoCloseable {
    static final int MAX_CONNECTIONS = 16;
    static final int MAX_PAYLOAD = 8 << 20;
    static final int IDLE_MS = 30_000;

    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Thread acceptor;

    /** Listens on {@code host} at a free port. */
    LinkProbeServer(String host, String node) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(host), 0), MAX_CONNECTIONS);
        acceptor = new Thread(this::accept, "coedge-link-probe-server-" + node);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** {@code host:port} this server listens on. */
    String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                if (!slots.tryAcquire()) {
                    s.close();
                    continue;
                }
                open.add(s);
                Thread t = new Thread(() -> serve(s), acceptor.getName() + "-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                // closed, or one failed accept: go on until closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(IDLE_MS);
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            byte[] buffer = new byte[64 << 10];
            while (true) {
                int length = in.readInt();
                if (length < 0 || length > MAX_PAYLOAD) {
                    return;
                }
                for (int left = length; left > 0; ) {
                    int n = in.read(buffer, 0, Math.min(buffer.length, left));
                    if (n < 0) {
                        return;
                    }
                    left -= n;
                }
                out.write(1);
                out.flush();
            }
        } catch (IOException e) {
            // the peer went away, or idled: nothing to report
        } finally {
            open.remove(s);
            slots.release();
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // nothing left to release
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // already closed
            }
        }
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
