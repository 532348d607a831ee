package io.coedge.kafka.camera;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Draws a synthetic street scene seen by one camera: a road with lane marks, vehicles driving
 * across and walkers crossing, each moving a little every frame. Deterministic for a seed, so tests
 * and benchmarks see the same frames every run.
 */
public final class SceneRenderer {
    private final int width;
    private final int height;
    private final Mover[] movers;
    private final Color background;

    private record Mover(
            boolean vehicle, double x0, double y, double speed, int w, int h, Color color) {}

    public SceneRenderer(long seed, int width, int height) {
        this.width = width;
        this.height = height;
        SplittableRandom random = new SplittableRandom(seed);
        int count = 2 + random.nextInt(5);
        movers = new Mover[count];
        for (int i = 0; i < count; i++) {
            boolean vehicle = random.nextInt(3) != 0;
            int w =
                    vehicle
                            ? width / 6 + random.nextInt(Math.max(1, width / 8))
                            : Math.max(4, width / 30);
            int h =
                    vehicle
                            ? height / 8 + random.nextInt(Math.max(1, height / 10))
                            : Math.max(8, height / 8);
            double y = height * (0.35 + 0.5 * random.nextDouble());
            double speed =
                    (vehicle ? 0.02 : 0.006)
                            * width
                            * (random.nextBoolean() ? 1 : -1)
                            * (0.5 + random.nextDouble());
            Color color = Color.getHSBColor((float) random.nextDouble(), 0.6f, 0.9f);
            movers[i] = new Mover(vehicle, random.nextDouble() * width, y, speed, w, h, color);
        }
        background =
                new Color(
                        70 + random.nextInt(30),
                        110 + random.nextInt(30),
                        150 + random.nextInt(40));
    }

    /** The scene at frame {@code index}. */
    public BufferedImage render(long index) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(background);
        g.fillRect(0, 0, width, height / 3);
        g.setColor(new Color(60, 60, 64));
        g.fillRect(0, height / 3, width, height - height / 3);
        g.setColor(new Color(230, 230, 200));
        g.setStroke(new BasicStroke(Math.max(1, height / 120f)));
        int laneY = height / 3 + (height - height / 3) / 2;
        int dash = Math.max(8, width / 20);
        int shift = (int) (index * 3 % (2L * dash));
        for (int x = -2 * dash + shift; x < width; x += 2 * dash) {
            g.drawLine(x, laneY, x + dash, laneY);
        }
        for (Mover m : movers) {
            double span = width + m.w();
            double x = ((m.x0() + m.speed() * index) % span + span) % span - m.w();
            g.setColor(m.color());
            if (m.vehicle()) {
                g.fillRoundRect((int) x, (int) m.y() - m.h(), m.w(), m.h(), m.h() / 3, m.h() / 3);
                g.setColor(Color.BLACK);
                int wheel = Math.max(2, m.h() / 3);
                g.fillOval((int) x + m.w() / 6, (int) m.y() - wheel / 2, wheel, wheel);
                g.fillOval(
                        (int) x + m.w() - m.w() / 6 - wheel, (int) m.y() - wheel / 2, wheel, wheel);
            } else {
                g.fillOval((int) x, (int) m.y() - m.h(), m.w(), m.h());
                g.fillOval((int) x, (int) m.y() - m.h() - m.w(), m.w(), m.w());
            }
        }
        g.dispose();
        return image;
    }

    /** The scene at frame {@code index} as a JPEG of the given quality (0..1). */
    public byte[] jpeg(long index, float quality) {
        return encodeJpeg(render(index), quality);
    }

    static byte[] encodeJpeg(BufferedImage image, float quality) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG encoding to memory failed", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
