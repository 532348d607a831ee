package io.coedge.operators.pre;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes a frame to 8-bit RGB or grey pixels no larger than the model needs. JPEGs go through
 * libjpeg-turbo ({@link TurboJpeg}) with DCT-domain downscaling to the smallest factor that still
 * covers the model's input (a 7680x4320 frame for a 640 input decodes at 1/8, 960x540); PNGs, and
 * JPEGs where the native library is absent or {@value #FORCE_IMAGEIO} is set, go through ImageIO,
 * subsampled on read when the frame is more than twice the size needed. YUV 4:2:0/4:2:2/4:4:4 and
 * grey JPEGs, CMYK and YCCK JPEGs (converted to RGB), and 1-16 bit grey/RGB/palette PNGs are read;
 * anything else is refused with a code. Thread-safe.
 */
public final class ImageDecoder {
    /** System property: {@code true} makes {@link #system()} use ImageIO even for JPEGs. */
    public static final String FORCE_IMAGEIO = "coedge.pre.imageio";

    private final TurboJpeg turbo;

    private ImageDecoder(TurboJpeg turbo) {
        this.turbo = turbo;
    }

    /** libjpeg-turbo for JPEGs where it loads (and {@value #FORCE_IMAGEIO} is not set). */
    public static ImageDecoder system() {
        return Boolean.getBoolean(FORCE_IMAGEIO)
                ? imageIo()
                : new ImageDecoder(TurboJpeg.instance().orElse(null));
    }

    /** ImageIO only: the fallback, and the reference the native path is tested against. */
    public static ImageDecoder imageIo() {
        return new ImageDecoder(null);
    }

    /**
     * Lets the JVM free these classes: destroys libjpeg-turbo's decompressors and unbinds the
     * native library ({@code TurboJpeg.release}). For the release of a job's class loader on a
     * session cluster (io.coedge.operators.release.JobClassLoaderRelease); no decoder of these
     * classes may be used afterwards.
     */
    public static void releaseNativeLibrary() {
        TurboJpeg.release();
    }

    /** Whether JPEGs are decoded by libjpeg-turbo. */
    public boolean isNative() {
        return turbo != null;
    }

    /**
     * The DCT scaling factor ({@code num/denom}, as djpeg and tjbench take it) a JPEG of {@code
     * width x height} is decoded at for {@code target} (benchmarks run libjpeg-turbo's tools at the
     * same scale); {@code 1/1} without libjpeg-turbo.
     */
    public String dctScale(int width, int height, Target target) {
        if (turbo == null) {
            return "1/1";
        }
        int[] need = target.need(width, height);
        return TurboJpeg.scale(turbo.covering(width, height, need[0], need[1]));
    }

    /**
     * What the decoded image must cover: the model input ({@code stretch}), or the size the frame
     * is scaled to inside it ({@code letterbox}).
     */
    public record Target(int width, int height, boolean letterbox) {
        int[] need(int sourceWidth, int sourceHeight) {
            if (!letterbox) {
                return new int[] {width, height};
            }
            double s = Math.min((double) width / sourceWidth, (double) height / sourceHeight);
            return new int[] {
                Math.max(1, (int) Math.round(sourceWidth * s)),
                Math.max(1, (int) Math.round(sourceHeight * s))
            };
        }
    }

    /**
     * One thread's decode buffers (libjpeg-turbo's decompressor and native buffers, whose RGB or
     * grey output the pre-processor reads in place; a heap buffer for CMYK, converted to RGB), kept
     * between frames and lent to one decode at a time; a second decode open on the same thread
     * meanwhile gets buffers of its own.
     */
    private static final class Lease {
        final TurboJpeg.Scratch scratch = new TurboJpeg.Scratch();
        byte[] pixels = new byte[0];
        boolean inUse;

        /** A heap buffer of at least {@code bytes}: this lease's, grown, or a one-off. */
        byte[] pixels(int bytes) {
            if (bytes > TurboJpeg.Scratch.RETAINED_BYTES) {
                return new byte[bytes];
            }
            if (pixels.length < bytes) {
                pixels = new byte[bytes];
            }
            return pixels;
        }
    }

    private static final ThreadLocal<Lease> LEASES = ThreadLocal.withInitial(Lease::new);

    private static Lease lease() {
        Lease l = LEASES.get();
        if (l.inUse) {
            l = new Lease();
        }
        l.inUse = true;
        return l;
    }

    /**
     * A decoded image and the decode memory it holds until closed; its pixels may be a buffer the
     * next decode on this thread reuses, so they are read before {@link #close()}.
     */
    public static final class Decoding implements AutoCloseable {
        private final DecodedImage image;
        private final DecodeBudget.Grant grant;
        private final Lease lease;

        Decoding(DecodedImage image, DecodeBudget.Grant grant) {
            this(image, grant, null);
        }

        private Decoding(DecodedImage image, DecodeBudget.Grant grant, Lease lease) {
            this.image = image;
            this.grant = grant;
            this.lease = lease;
        }

        public DecodedImage image() {
            return image;
        }

        @Override
        public void close() {
            grant.close();
            if (lease != null) {
                lease.inUse = false;
            }
        }
    }

    public Decoding decode(byte[] encoded, Target target, DecodeBudget budget)
            throws ImageDecodeException {
        JpegMarkers jpeg = JpegMarkers.read(encoded);
        if (jpeg != null && !hasJpegEnd(encoded)) {
            // Both decoders only warn on a truncated stream and return a half-grey image.
            throw new ImageDecodeException("truncated JPEG: no end-of-image marker");
        }
        if (jpeg != null && turbo != null) {
            return decodeNative(encoded, jpeg, target, budget);
        }
        return decodeImageIo(encoded, jpeg, target, budget);
    }

    private Decoding decodeNative(
            byte[] encoded, JpegMarkers jpeg, Target target, DecodeBudget budget)
            throws ImageDecodeException {
        Lease lease = lease();
        try (TurboJpeg.Session session = turbo.open(encoded, lease.scratch)) {
            TurboJpeg.Header header = session.header();
            int[] need = target.need(header.width(), header.height());
            TurboJpeg.Factor f = turbo.covering(header.width(), header.height(), need[0], need[1]);
            int w = f.scaled(header.width());
            int h = f.scaled(header.height());
            boolean cmyk =
                    header.colorspace() == TurboJpeg.CS_CMYK
                            || header.colorspace() == TurboJpeg.CS_YCCK;
            boolean grey = header.colorspace() == TurboJpeg.CS_GRAY;
            int channels = grey ? 1 : cmyk ? 4 : 3;
            long pixels = (long) w * h;
            // RGB and grey are read where libjpeg-turbo wrote them (the thread's kept native
            // buffer); CMYK, and an image too large to keep a buffer for, are copied to the heap.
            boolean inPlace = !cmyk && TurboJpeg.Scratch.retains(pixels * channels);
            // Native output, its copy on the heap, the RGB of a CMYK image; a progressive JPEG
            // keeps every DCT coefficient of the full image (2 bytes each) until its last scan.
            long bytes =
                    encoded.length
                            + (inPlace ? 1 : 2) * pixels * channels
                            + (cmyk ? 3 * pixels : 0)
                            + (jpeg.progressive()
                                    ? 2L * header.width() * header.height() * (cmyk ? 4 : 3)
                                    : 0);
            DecodeBudget.Grant grant =
                    budget.acquire(
                            bytes,
                            "a "
                                    + header.width()
                                    + "x"
                                    + header.height()
                                    + " JPEG at "
                                    + f.num()
                                    + "/"
                                    + f.denom());
            try {
                int format = grey ? TurboJpeg.PF_GRAY : cmyk ? TurboJpeg.PF_CMYK : TurboJpeg.PF_RGB;
                if (inPlace) {
                    return new Decoding(
                            new DecodedImage(
                                    session.decodeInPlace(w, h, format, channels),
                                    w,
                                    h,
                                    channels,
                                    header.width(),
                                    header.height()),
                            grant,
                            lease);
                }
                byte[] px = lease.pixels(Math.toIntExact(pixels * channels));
                session.decode(w, h, format, channels, px);
                if (cmyk) {
                    px = invertedCmykToRgb(px, (int) pixels, 4);
                }
                return new Decoding(
                        new DecodedImage(
                                px, w, h, cmyk ? 3 : channels, header.width(), header.height()),
                        grant,
                        lease);
            } catch (ImageDecodeException | RuntimeException | Error e) {
                grant.close();
                throw e;
            }
        } catch (ImageDecodeException | RuntimeException | Error e) {
            lease.inUse = false;
            throw e;
        }
    }

    private Decoding decodeImageIo(
            byte[] encoded, JpegMarkers jpeg, Target target, DecodeBudget budget)
            throws ImageDecodeException {
        try (ImageInputStream in =
                ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageDecodeException("no decoder accepts this image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                int[] need = target.need(width, height);
                // Keep at least twice the resolution needed, so the resize still averages.
                int k =
                        Math.max(
                                1,
                                Math.min(
                                                width / Math.max(1, need[0]),
                                                height / Math.max(1, need[1]))
                                        / 2);
                long pixels = (long) ((width + k - 1) / k) * ((height + k - 1) / k);
                // The decoded image (up to 8 bytes a pixel for 16-bit RGBA) and its 8-bit copy.
                long bytes = encoded.length + pixels * ((jpeg != null ? 4 : 8) + 3);
                DecodeBudget.Grant grant =
                        budget.acquire(bytes, "a " + width + "x" + height + " image");
                try {
                    ImageReadParam param = reader.getDefaultReadParam();
                    if (k > 1) {
                        param.setSourceSubsampling(k, k, 0, 0);
                    }
                    DecodedImage image;
                    try {
                        image = pixels(reader.read(0, param), width, height);
                    } catch (IIOException e) {
                        if (jpeg == null || !e.getMessage().contains("Unsupported Image Type")) {
                            throw e;
                        }
                        // CMYK and YCCK JPEGs: Java's reader gives their raw samples only.
                        image = cmykRaster(reader.readRaster(0, param), jpeg, width, height);
                    }
                    return new Decoding(image, grant);
                } catch (ImageDecodeException | IOException | RuntimeException | Error e) {
                    grant.close();
                    throw e;
                }
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException("cannot decode image: " + e.getMessage(), e);
        }
    }

    /** 8-bit RGB or grey of any image ImageIO returns. */
    private static DecodedImage pixels(BufferedImage image, int sourceWidth, int sourceHeight)
            throws ImageDecodeException {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        boolean packed =
                raster.getDataBuffer() instanceof DataBufferByte
                        && raster.getMinX() == 0
                        && raster.getMinY() == 0
                        && raster.getParent() == null;
        if (packed && image.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            byte[] bgr = ((DataBufferByte) raster.getDataBuffer()).getData();
            byte[] rgb = new byte[w * h * 3];
            for (int i = 0; i < rgb.length; i += 3) {
                rgb[i] = bgr[i + 2];
                rgb[i + 1] = bgr[i + 1];
                rgb[i + 2] = bgr[i];
            }
            return new DecodedImage(rgb, w, h, 3, sourceWidth, sourceHeight);
        }
        if (packed && image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            byte[] grey = ((DataBufferByte) raster.getDataBuffer()).getData();
            return new DecodedImage(
                    grey.length == w * h ? grey : java.util.Arrays.copyOf(grey, w * h),
                    w,
                    h,
                    1,
                    sourceWidth,
                    sourceHeight);
        }
        int space = cm.getColorSpace().getType();
        if (cm instanceof ComponentColorModel
                && (space == ColorSpace.TYPE_RGB || space == ColorSpace.TYPE_GRAY)) {
            // 8- or 16-bit grey, grey+alpha, RGB, RGBA (PNG): the colour samples, alpha dropped.
            int channels = space == ColorSpace.TYPE_GRAY ? 1 : 3;
            int bands = raster.getNumBands();
            int bits = cm.getComponentSize(0);
            int max = (1 << bits) - 1;
            byte[] out = new byte[w * h * channels];
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                int o = y * w * channels;
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < channels; c++) {
                        int v = row[x * bands + c];
                        out[o++] = (byte) (bits == 8 ? v : (v * 255 + max / 2) / max);
                    }
                }
            }
            return new DecodedImage(out, w, h, channels, sourceWidth, sourceHeight);
        }
        // Palettes and anything else Java2D can express as sRGB.
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            int o = y * w * 3;
            for (int x = 0; x < w; x++) {
                int argb = row[x];
                out[o++] = (byte) (argb >> 16);
                out[o++] = (byte) (argb >> 8);
                out[o++] = (byte) argb;
            }
        }
        return new DecodedImage(out, w, h, 3, sourceWidth, sourceHeight);
    }

    private static DecodedImage cmykRaster(
            Raster raster, JpegMarkers jpeg, int sourceWidth, int sourceHeight)
            throws ImageDecodeException {
        if (raster.getNumBands() != 4) {
            throw new ImageDecodeException(
                    "JPEG with "
                            + raster.getNumBands()
                            + " components in an unsupported colour space");
        }
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] samples = new byte[w * h * 4];
        int[] row = new int[w * 4];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            int o = y * w * 4;
            for (int i = 0; i < row.length; i += 4) {
                int c = row[i];
                int m = row[i + 1];
                int yy = row[i + 2];
                if (jpeg.adobeTransform() == 2) {
                    // YCCK: the first three are YCbCr of (255 - C, 255 - M, 255 - Y), as libjpeg
                    // converts them (jdcolor.c ycck_cmyk_convert).
                    double cb = m - 128;
                    double cr = yy - 128;
                    int r = clamp(c + 1.402 * cr);
                    int g = clamp(c - 0.344136 * cb - 0.714136 * cr);
                    int b = clamp(c + 1.772 * cb);
                    c = 255 - r;
                    m = 255 - g;
                    yy = 255 - b;
                }
                samples[o++] = (byte) c;
                samples[o++] = (byte) m;
                samples[o++] = (byte) yy;
                samples[o++] = (byte) row[i + 3];
            }
        }
        return new DecodedImage(
                invertedCmykToRgb(samples, w * h, 4), w, h, 3, sourceWidth, sourceHeight);
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /**
     * CMYK as JPEGs store it (Adobe's inverted form, what libjpeg returns): R = C x K / 255, the
     * conversion TurboJPEG itself uses.
     */
    static byte[] invertedCmykToRgb(byte[] cmyk, int n, int stride) {
        byte[] rgb = new byte[n * 3];
        for (int i = 0, o = 0; i < n * stride; i += stride) {
            int k = cmyk[i + 3] & 0xff;
            rgb[o++] = (byte) (((cmyk[i] & 0xff) * k + 127) / 255);
            rgb[o++] = (byte) (((cmyk[i + 1] & 0xff) * k + 127) / 255);
            rgb[o++] = (byte) (((cmyk[i + 2] & 0xff) * k + 127) / 255);
        }
        return rgb;
    }

    /** An EOI marker (FF D9) at the end, allowing for a little trailing padding. */
    private static boolean hasJpegEnd(byte[] d) {
        int end = d.length - 1;
        int limit = Math.max(1, d.length - 64);
        while (end >= limit && d[end] == 0) {
            end--;
        }
        return end >= 1 && (d[end] & 0xff) == 0xd9 && (d[end - 1] & 0xff) == 0xff;
    }

    /** What the decoders need to know from a JPEG's markers before decoding it. */
    record JpegMarkers(boolean progressive, int adobeTransform) {
        /** The markers up to the first frame header, or null if {@code d} is not a JPEG. */
        static JpegMarkers read(byte[] d) {
            if (d.length < 3 || (d[0] & 0xff) != 0xff || (d[1] & 0xff) != 0xd8) {
                return null;
            }
            int adobe = -1;
            int i = 2;
            while (i + 4 <= d.length) {
                if ((d[i] & 0xff) != 0xff) {
                    break;
                }
                int marker = d[i + 1] & 0xff;
                if (marker == 0xff) {
                    i++;
                    continue;
                }
                int length = ((d[i + 2] & 0xff) << 8) | (d[i + 3] & 0xff);
                if (marker == 0xee
                        && length >= 12
                        && i + 4 + 11 < d.length
                        && d[i + 4] == 'A'
                        && d[i + 5] == 'd'
                        && d[i + 6] == 'o'
                        && d[i + 7] == 'b'
                        && d[i + 8] == 'e') {
                    adobe = d[i + 4 + 11] & 0xff;
                }
                if (marker == 0xc2 || marker == 0xc6 || marker == 0xca || marker == 0xce) {
                    return new JpegMarkers(true, adobe);
                }
                if (marker >= 0xc0
                        && marker <= 0xcf
                        && marker != 0xc4
                        && marker != 0xc8
                        && marker != 0xcc) {
                    return new JpegMarkers(false, adobe);
                }
                if (marker == 0xda || length < 2) {
                    break;
                }
                i += 2 + length;
            }
            return new JpegMarkers(false, adobe);
        }
    }
}
