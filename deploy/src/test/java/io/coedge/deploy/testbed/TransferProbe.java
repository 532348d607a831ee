package io.coedge.deploy.testbed;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A TCP transfer between two testbed namespaces, run in each with {@code ip netns exec}: {@code
 * receive ADDRESS PORT} prints {@code listening}, then after one connection {@code received BYTES
 * NANOS} (first byte to end of stream); {@code send ADDRESS PORT BYTES} writes that many bytes.
 */
public final class TransferProbe {
    private TransferProbe() {}

    public static void main(String[] args) throws Exception {
        InetAddress address = InetAddress.getByName(args[1]);
        int port = Integer.parseInt(args[2]);
        if (args[0].equals("receive")) {
            try (ServerSocket server = new ServerSocket()) {
                server.bind(new InetSocketAddress(address, port));
                System.out.println("listening");
                System.out.flush();
                try (Socket s = server.accept();
                        InputStream in = s.getInputStream()) {
                    byte[] buf = new byte[64 * 1024];
                    long total = 0;
                    long first = 0;
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        if (total == 0 && n > 0) {
                            first = System.nanoTime();
                        }
                        total += n;
                    }
                    System.out.println("received " + total + " " + (System.nanoTime() - first));
                }
            }
        } else {
            long bytes = Long.parseLong(args[3]);
            try (Socket s = new Socket(address, port);
                    OutputStream out = s.getOutputStream()) {
                byte[] buf = new byte[16 * 1024];
                for (long sent = 0; sent < bytes; sent += buf.length) {
                    out.write(buf, 0, (int) Math.min(buf.length, bytes - sent));
                }
            }
        }
    }
}
