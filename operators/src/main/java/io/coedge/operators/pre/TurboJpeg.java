package io.coedge.operators.pre;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import io.coedge.format.ErrorCode;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libjpeg-turbo's TurboJPEG C API (the system's {@code libturbojpeg.so.0}, Debian's {@code
 * libturbojpeg0}) through JNA's direct mapping: the header, the DCT-domain scaling factors, and a
 * decode straight into RGB, grey or CMYK bytes at one of those factors. The 2.x {@code tj*} API, as
 * Debian 12 ships 2.1.5 (the {@code tj3*} API arrived in 3.0). A handle per call: creating one
 * costs a few microseconds, and no handle is ever shared between threads.
 */
final class TurboJpeg {
    private static final Logger LOG = LoggerFactory.getLogger(TurboJpeg.class);

    static final int PF_RGB = 0;
    static final int PF_GRAY = 6;
    static final int PF_CMYK = 11;
    static final int CS_GRAY = 2;
    static final int CS_CMYK = 3;
    static final int CS_YCCK = 4;
    private static final int ERR_FATAL = 1;

    /** One DCT-domain scaling factor {@code num/denom}. */
    record Factor(int num, int denom) {
        int scaled(int dimension) {
            return (int) (((long) dimension * num + denom - 1) / denom);
        }
    }

    /** The image as its header declares it. */
    record Header(int width, int height, int colorspace) {}

    private static final Optional<TurboJpeg> INSTANCE = load();

    private final Factor[] factors;

    private TurboJpeg(Factor[] factors) {
        this.factors = factors;
    }

    /** The native library, or empty (logged once) when it cannot be loaded. */
    static Optional<TurboJpeg> instance() {
        return INSTANCE;
    }

    private static Optional<TurboJpeg> load() {
        NativeLibrary library = null;
        for (String name : new String[] {"turbojpeg", "libturbojpeg.so.0"}) {
            try {
                library = NativeLibrary.getInstance(name);
                break;
            } catch (UnsatisfiedLinkError e) {
                // the next name, then ImageIO
            }
        }
        if (library == null) {
            LOG.warn(
                    "libturbojpeg not found (Debian: apt-get install libturbojpeg0): JPEG frames are"
                            + " decoded with ImageIO, about 3x slower and at full size");
            return Optional.empty();
        }
        try {
            Native.register(Api.class, library);
            IntByReference count = new IntByReference();
            Pointer p = Api.tjGetScalingFactors(count);
            Factor[] factors = new Factor[count.getValue()];
            for (int i = 0; i < factors.length; i++) {
                factors[i] = new Factor(p.getInt(8L * i), p.getInt(8L * i + 4));
            }
            LOG.info("JPEG frames are decoded with libjpeg-turbo ({})", library.getFile());
            return Optional.of(new TurboJpeg(factors));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.warn(
                    "libturbojpeg cannot be used ({}): JPEG frames are decoded with ImageIO",
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** The smallest downscaling factor whose output still covers {@code needW x needH}. */
    Factor covering(int width, int height, int needW, int needH) {
        Factor best = new Factor(1, 1);
        for (Factor f : factors) {
            if (f.num() <= f.denom()
                    && f.scaled(width) >= needW
                    && f.scaled(height) >= needH
                    && f.scaled(width) < best.scaled(width)) {
                best = f;
            }
        }
        return best;
    }

    /** A decompressor over one encoded image; not thread-safe, closed after use. */
    Session open(byte[] jpeg) throws ImageDecodeException {
        return new Session(jpeg);
    }

    final class Session implements AutoCloseable {
        private final Pointer handle;
        private final Memory source;
        private final NativeLong size;

        private Session(byte[] jpeg) throws ImageDecodeException {
            handle = Api.tjInitDecompress();
            if (handle == null) {
                throw new ImageDecodeException(
                        ErrorCode.OUT_OF_MEMORY, "libjpeg-turbo could not create a decompressor");
            }
            source = new Memory(jpeg.length);
            source.write(0, jpeg, 0, jpeg.length);
            size = new NativeLong(jpeg.length);
        }

        Header header() throws ImageDecodeException {
            IntByReference w = new IntByReference();
            IntByReference h = new IntByReference();
            IntByReference subsampling = new IntByReference();
            IntByReference colorspace = new IntByReference();
            if (Api.tjDecompressHeader3(handle, source, size, w, h, subsampling, colorspace) != 0) {
                throw new ImageDecodeException("cannot read JPEG header: " + error());
            }
            return new Header(w.getValue(), h.getValue(), colorspace.getValue());
        }

        /**
         * Decodes at {@code width x height} (a scaled size of a {@link Factor}) in {@code
         * pixelFormat}, {@code channels} bytes per pixel. Warnings (extraneous bytes, a few corrupt
         * blocks) keep the image, as every JPEG viewer does; fatal errors refuse it.
         */
        byte[] decode(int width, int height, int pixelFormat, int channels)
                throws ImageDecodeException {
            long bytes = (long) width * height * channels;
            try (Memory out = new Memory(bytes)) {
                if (Api.tjDecompress2(
                                        handle,
                                        source,
                                        size,
                                        out,
                                        width,
                                        width * channels,
                                        height,
                                        pixelFormat,
                                        0)
                                != 0
                        && Api.tjGetErrorCode(handle) == ERR_FATAL) {
                    throw new ImageDecodeException("cannot decode JPEG: " + error());
                }
                return out.getByteArray(0, Math.toIntExact(bytes));
            }
        }

        private String error() {
            Pointer p = Api.tjGetErrorStr2(handle);
            return p == null ? "unknown error" : p.getString(0);
        }

        @Override
        public void close() {
            Api.tjDestroy(handle);
            source.close();
        }
    }

    /** The C functions, bound by {@link Native#register}. */
    private static final class Api {
        static native Pointer tjInitDecompress();

        static native int tjDecompressHeader3(
                Pointer handle,
                Pointer jpegBuf,
                NativeLong jpegSize,
                IntByReference width,
                IntByReference height,
                IntByReference jpegSubsamp,
                IntByReference jpegColorspace);

        static native Pointer tjGetScalingFactors(IntByReference numScalingFactors);

        static native int tjDecompress2(
                Pointer handle,
                Pointer jpegBuf,
                NativeLong jpegSize,
                Pointer dstBuf,
                int width,
                int pitch,
                int height,
                int pixelFormat,
                int flags);

        static native int tjGetErrorCode(Pointer handle);

        static native Pointer tjGetErrorStr2(Pointer handle);

        static native int tjDestroy(Pointer handle);
    }
}
