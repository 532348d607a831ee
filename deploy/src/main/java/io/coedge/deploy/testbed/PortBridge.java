package io.coedge.deploy.testbed;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Carries one TCP port across network namespaces through a Unix socket, which belongs to the file
 * system rather than to a namespace. A testbed runs two per port: in the host namespace {@code tcp
 * 127.0.0.1 8081 SOCKET} (listens on TCP, forwards to the socket), and in the backbone namespace
 * {@code unix SOCKET 10.77.0.254 8081} (listens on the socket, forwards to TCP). So the Flink REST
 * API in the backbone is reachable at 127.0.0.1 on the host without any address, route or interface
 * added to the host's network.
 *
 * <p>Hand-written (60 lines) because the JDK cannot open a socket in another network namespace and
 * socat is not on every machine this runs on.
 */
public final class PortBridge {
    private PortBridge() {}

    public static void main(String[] args) throws IOException {
        ServerSocketChannel server;
        SocketAddress target;
        if (args[0].equals("tcp")) {
            server = ServerSocketChannel.open(StandardProtocolFamily.INET);
            server.bind(new InetSocketAddress(args[1], Integer.parseInt(args[2])));
            target = UnixDomainSocketAddress.of(args[3]);
        } else if (args[0].equals("unix")) {
            Path socket = Path.of(args[1]);
            Files.deleteIfExists(socket);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            target = new InetSocketAddress(args[2], Integer.parseInt(args[3]));
        } else {
            throw new IllegalArgumentException(
                    "usage: tcp HOST PORT SOCKET | unix SOCKET HOST PORT");
        }
        System.out.println("bridge ready: " + server.getLocalAddress() + " -> " + target);
        System.out.flush();
        while (true) {
            SocketChannel in = server.accept();
            SocketChannel out;
            try {
                out = SocketChannel.open(target);
            } catch (IOException e) {
                in.close();
                continue;
            }
            AtomicInteger open = new AtomicInteger(2);
            pump(in, out, open);
            pump(out, in, open);
        }
    }

    /** Copies one direction; the connection closes once both directions have ended. */
    private static void pump(SocketChannel from, SocketChannel to, AtomicInteger open) {
        Thread t =
                new Thread(
                        () -> {
                            ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
                            try {
                                while (from.read(buf) >= 0) {
                                    buf.flip();
                                    while (buf.hasRemaining()) {
                                        to.write(buf);
                                    }
                                    buf.clear();
                                }
                                to.shutdownOutput();
                                if (open.decrementAndGet() > 0) {
                                    return;
                                }
                            } catch (IOException e) {
                                // Reset by either side: close both.
                            }
                            closeQuietly(from);
                            closeQuietly(to);
                        },
                        "bridge");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Already closed by the other direction.
        }
    }
}
