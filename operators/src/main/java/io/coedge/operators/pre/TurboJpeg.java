package io.coedge.operators.pre;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import io.coedge.format.ErrorCode;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libjpeg-turbo's TurboJPEG C API (the system's {@code libturbojpeg.so.0}, Debian's {@code
 * libturbojpeg0}) through JNA's direct mapping: the header, the DCT-domain scaling factors, and a
 * decode straight into RGB, grey or CMYK bytes at one of those factors. The 2.x {@code tj*} API, as
 * Debian 12 ships 2.1.5 (the {@code tj3*} API arrived in 3.0). A decompressor and its native
 * buffers per thread ({@link Scratch}), never shared between threads.
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

    /**
     * Undoes what this class left in JVM-wide state, for a job whose user-code class loader Flink
     * is freeing (io.coedge.operators.release.JobClassLoaderRelease): destroys the decompressors
     * still alive, unbinds the native methods of {@link Api} (JNA's {@link Native#register} holds
     * JNI global references to them and keeps the class in its static tables) and drops JNA's
     * cached options of {@link Api}, whose value refers back to the class and so keeps the entry of
     * JNA's weak map alive for ever. Runs when no code of the job runs any more; libjpeg-turbo
     * cannot be used from this class afterwards.
     */
    static void release() {
        if (INSTANCE.isEmpty()) {
            return;
        }
        for (Scratch.Decompressor d : Scratch.LIVE) {
            d.cleanable.clean();
        }
        Native.unregister(Api.class);
        Map<String, Object> options = Native.getLibraryOptions(Api.class);
        options.clear();
    }

    /**
     * System property: {@code power} decodes at a power of two where it covers with at most twice
     * the pixels of the smallest covering factor ({@link #covering}); benchmarks compare both.
     */
    static final String SCALE = "coedge.pre.dct";

    private static final boolean POWER = "power".equals(System.getProperty(SCALE));

    /**
     * The downscaling factor a frame is decoded at for {@code needW x needH}: the smallest one
     * whose output still covers it ({@value #SCALE}{@code =power}: see {@link #covering(int, int,
     * int, int, boolean)}).
     */
    Factor covering(int width, int height, int needW, int needH) {
        return covering(width, height, needW, needH, POWER);
    }

    /**
     * The smallest factor whose output still covers {@code needW x needH}; with {@code power}, a
     * power of two (1/8, 1/4, 1/2, 1/1) instead where it covers with at most twice its pixels:
     * libjpeg-turbo has SIMD inverse DCTs only for those (the 3x3, 5x5, 6x6 and 7x7 ones are plain
     * C), so a 1080p frame decodes faster at 1/2 (960x540, 3.0 ms with tjbench) than at 3/8
     * (720x405, 3.8 ms). Not the default: the larger decode moves what a detector sees of a tiny
     * object (RealDetectorsITCase: a person 15 input pixels wide in vtest.avi moved by 1.6 input
     * pixels against a reference resize, beyond the 1.5 two correct filters may differ by).
     */
    Factor covering(int width, int height, int needW, int needH, boolean power) {
        Factor smallest = new Factor(1, 1);
        Factor pow = new Factor(1, 1);
        for (Factor f : factors) {
            if (f.num() <= f.denom() && f.scaled(width) >= needW && f.scaled(height) >= needH) {
                if (f.scaled(width) < smallest.scaled(width)) {
                    smallest = f;
                }
                if (f.num() == 1
                        && Integer.bitCount(f.denom()) == 1
                        && f.scaled(width) < pow.scaled(width)) {
                    pow = f;
                }
            }
        }
        if (!power) {
            return smallest;
        }
        return pixels(pow, width, height) <= 2 * pixels(smallest, width, height) ? pow : smallest;
    }

    private static long pixels(Factor f, int width, int height) {
        return (long) f.scaled(width) * f.scaled(height);
    }

    /** {@link #covering}'s factor as {@code num/denom}, as djpeg and tjbench take it. */
    static String scale(Factor f) {
        return f.num() + "/" + f.denom();
    }

    /**
     * One thread's decompressor and native buffers, kept between frames so that a frame costs no
     * native allocation (a fresh output buffer of a megabyte is an mmap and a page fault per 4
     * KiB). Used by one decode at a time ({@link ImageDecoder} leases it); buffers above {@link
     * #RETAINED_BYTES} are allocated for that frame only. The decompressor is destroyed when the
     * scratch becomes unreachable.
     */
    static final class Scratch {
        /** The largest buffer a thread keeps between frames. */
        static final long RETAINED_BYTES = 16L << 20;

        private static final Cleaner CLEANER = Cleaner.create();

        /** The decompressors not destroyed yet, for {@link TurboJpeg#release}. */
        private static final Set<Decompressor> LIVE = ConcurrentHashMap.newKeySet();

        /** Destroys one decompressor, once: when its scratch is collected, or before. */
        private static final class Decompressor implements Runnable {
            private final Pointer handle;
            private Cleaner.Cleanable cleanable;

            private Decompressor(Pointer handle) {
                this.handle = handle;
            }

            @Override
            public void run() {
                LIVE.remove(this);
                Api.tjDestroy(handle);
            }
        }

        /**
         * Bytes of the kept output buffer beyond the image: {@link VectorResize} loads whole
         * vectors (up to 2048 bits) from a row's last block without leaving the buffer.
         */
        static final int OUT_SLACK = 256;

        private Pointer handle;
        private Cleaner.Cleanable destroy;
        private Memory source;
        private Memory out;

        /** {@link #out} as a direct buffer, made once per buffer. */
        private ByteBuffer outBuffer;

        private Pointer handle() throws ImageDecodeException {
            if (handle == null) {
                Pointer h = Api.tjInitDecompress();
                if (h == null) {
                    throw new ImageDecodeException(
                            ErrorCode.OUT_OF_MEMORY,
                            "libjpeg-turbo could not create a decompressor");
                }
                handle = h;
                Decompressor d = new Decompressor(h);
                d.cleanable = CLEANER.register(this, d);
                LIVE.add(d);
                destroy = d.cleanable;
            }
            return handle;
        }

        /**
         * Destroys the decompressor after an error or a warning: TurboJPEG 2.1 does not reset it
         * after a failed header read, and the next image would inherit the failure.
         */
        private void discardHandle() {
            if (destroy != null) {
                destroy.clean();
            }
            handle = null;
            destroy = null;
        }

        /** A native buffer of at least {@code bytes}: the kept one, grown, or a one-off. */
        private Memory source(long bytes) {
            if (bytes > RETAINED_BYTES) {
                return new Memory(bytes);
            }
            if (source == null || source.size() < bytes) {
                source = new Memory(Math.max(bytes, 64 << 10));
            }
            return source;
        }

        private Memory out(long bytes) {
            if (bytes > RETAINED_BYTES) {
                return new Memory(bytes);
            }
            if (out == null || out.size() < bytes + OUT_SLACK) {
                out = new Memory(bytes + OUT_SLACK);
                outBuffer = out.getByteBuffer(0, out.size());
            }
            return out;
        }

        /** Whether an output of {@code bytes} is decoded into the kept buffer. */
        static boolean retains(long bytes) {
            return bytes <= RETAINED_BYTES;
        }
    }

    /** A decompressor over one encoded image, on {@code scratch}; closed after use. */
    Session open(byte[] jpeg, Scratch scratch) throws ImageDecodeException {
        return new Session(jpeg, scratch);
    }

    final class Session implements AutoCloseable {
        private final Scratch scratch;
        private final Pointer handle;
        private final Memory source;
        private final NativeLong size;

        private Session(byte[] jpeg, Scratch scratch) throws ImageDecodeException {
            this.scratch = scratch;
            handle = scratch.handle();
            source = scratch.source(jpeg.length);
            source.write(0, jpeg, 0, jpeg.length);
            size = new NativeLong(jpeg.length);
        }

        Header header() throws ImageDecodeException {
            IntByReference w = new IntByReference();
            IntByReference h = new IntByReference();
            IntByReference subsampling = new IntByReference();
            IntByReference colorspace = new IntByReference();
            if (Api.tjDecompressHeader3(handle, source, size, w, h, subsampling, colorspace) != 0) {
                String error = error();
                scratch.discardHandle();
                throw new ImageDecodeException("cannot read JPEG header: " + error);
            }
            return new Header(w.getValue(), h.getValue(), colorspace.getValue());
        }

        /**
         * Decodes at {@code width x height} (a scaled size of a {@link Factor}) in {@code
         * pixelFormat}, {@code channels} bytes per pixel, into the start of {@code pixels} (at
         * least that long): a copy out of the native output.
         */
        void decode(int width, int height, int pixelFormat, int channels, byte[] pixels)
                throws ImageDecodeException {
            long bytes = (long) width * height * channels;
            Memory out = scratch.out(bytes);
            try {
                decodeInto(out, width, height, pixelFormat, channels);
                out.read(0, pixels, 0, Math.toIntExact(bytes));
            } finally {
                if (out != scratch.out) {
                    out.close();
                }
            }
        }

        /**
         * Decodes as {@link #decode} into this thread's kept native buffer ({@link Scratch#retains}
         * the size) and returns it as a direct buffer, the image from index 0: read in place, no
         * copy to the heap. Valid until the next decode on this scratch.
         */
        ByteBuffer decodeInPlace(int width, int height, int pixelFormat, int channels)
                throws ImageDecodeException {
            long bytes = (long) width * height * channels;
            if (!Scratch.retains(bytes)) {
                throw new IllegalArgumentException("not kept: " + bytes + " bytes");
            }
            decodeInto(scratch.out(bytes), width, height, pixelFormat, channels);
            return scratch.outBuffer;
        }

        /**
         * Warnings (extraneous bytes, a few corrupt blocks) keep the image, as every JPEG viewer
         * does; fatal errors refuse it.
         */
        private void decodeInto(Memory out, int width, int height, int pixelFormat, int channels)
                throws ImageDecodeException {
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
                    != 0) {
                boolean fatal = Api.tjGetErrorCode(handle) == ERR_FATAL;
                String error = error();
                scratch.discardHandle();
                if (fatal) {
                    throw new ImageDecodeException("cannot decode JPEG: " + error);
                }
            }
        }

        private String error() {
            Pointer p = Api.tjGetErrorStr2(handle);
            return p == null ? "unknown error" : p.getString(0);
        }

        @Override
        public void close() {
            if (source != scratch.source) {
                source.close();
            }
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
