package io.coedge.operators.pre;

import io.coedge.catalog.ModelSpec;
import io.coedge.format.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Turns an encoded frame into the model's input tensor on the CPU: decode ({@link ImageDecoder}:
 * libjpeg-turbo with DCT-domain downscaling, ImageIO as the fallback), then one pass that resizes
 * (stretch or letterbox, a triangle filter as wide as the downscale so nothing aliases, which is
 * bilinear when enlarging), normalises ({@code (v x scale - mean) / std}, float32) or keeps the
 * 0..255 value (uint8), and lays the result out NCHW or NHWC in the model's channel order; the
 * padding is written once as runs. The resize is separable and in fixed point, as Pillow's and
 * OpenCV's are: a horizontal pass over each decoded row once into three planar rows of ints (a ring
 * as deep as the vertical taps), then per output row and channel a vertical pass rounded to 0..255
 * (so a float tensor is exactly the normalised uint8 one) and written into the tensor, from tables
 * computed once per (decoded size, scaled size). With the JDK Vector API ({@link Simd}: the JVM
 * started with {@code --add-modules jdk.incubator.vector}) the horizontal pass, the vertical pass
 * fused with the NCHW or NHWC write, and the NCHW copy run in {@link VectorResize}, with the same
 * result to the bit; otherwise the scalar passes here. No intermediate images; a few rows of ints
 * per thread, kept; an image already at its size in the tensor is copied straight in. Tensors
 * handed back with {@link #recycle} are written over by the next frames instead of allocated.
 * Thread-safe.
 */
public final class Preprocessor {
    /**
     * One image's tensor in the model's layout, {@code float32} ({@link #floats}) or {@code uint8}
     * ({@link #uint8}, the other null), and how boxes map back to the source frame.
     */
    public record Tensor(float[] floats, byte[] uint8, Letterbox letterbox) {
        /** Appends this tensor to a little-endian buffer, as the sidecar reads it. */
        public void writeTo(ByteBuffer littleEndian) {
            if (uint8 != null) {
                littleEndian.put(uint8);
            } else {
                littleEndian.asFloatBuffer().put(floats);
                littleEndian.position(littleEndian.position() + floats.length * Float.BYTES);
            }
        }

        /** The values as floats, whichever the dtype (tests and tools). */
        public float[] values() {
            if (floats != null) {
                return floats;
            }
            float[] v = new float[uint8.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = uint8[i] & 0xff;
            }
            return v;
        }
    }

    private final ModelSpec.InputSpec input;
    private final ImageDecoder decoder;
    private final ImageDecoder.Target target;
    private final boolean letterbox;
    private final boolean rgb;
    private final boolean uint8;
    private final boolean channelsLast;
    private final int padValue;

    /** Per model channel: value = pixel x mul + add. */
    private final float[] mul = new float[3];

    private final float[] add = new float[3];

    /** How many idle tensors {@link #recycle} keeps. */
    private final int keep;

    /** Whether the horizontal pass runs with the Vector API ({@link Simd}). */
    private final boolean vector;

    public Preprocessor(ModelSpec model) {
        this(model, ImageDecoder.system());
    }

    public Preprocessor(ModelSpec model, ImageDecoder decoder) {
        this(model, decoder, Simd.ENABLED);
    }

    /**
     * With the vector pass on or off ({@code true} needs the {@value Simd#MODULE} module; tests
     * compare both).
     */
    Preprocessor(ModelSpec model, ImageDecoder decoder, boolean vector) {
        this.vector = vector;
        this.input = model.input();
        this.decoder = decoder;
        ModelSpec.Preprocess p = model.preprocess();
        this.letterbox = p.resize().equals("letterbox");
        this.target = new ImageDecoder.Target(input.width(), input.height(), letterbox);
        this.rgb = p.channelOrder().equals("RGB");
        this.uint8 = input.uint8();
        this.channelsLast = input.channelsLast();
        this.padValue = p.padValue();
        this.keep =
                (int)
                        Math.max(
                                1,
                                Math.min(
                                        model.maxBatch(),
                                        KEEP_BYTES
                                                / Math.max(
                                                        1L,
                                                        (long) input.elements()
                                                                * input.elementBytes())));
        List<Double> m = p.mean();
        List<Double> s = p.std();
        for (int c = 0; c < 3; c++) {
            mul[c] = (float) (p.scale() / s.get(c));
            add[c] = (float) (-m.get(c) / s.get(c));
        }
    }

    /** Elements of one image's tensor. */
    public int elements() {
        return input.elements();
    }

    /** Bytes of one image's tensor. */
    public long bytes() {
        return (long) input.elements() * input.elementBytes();
    }

    public boolean nativeDecoding() {
        return decoder.isNative();
    }

    public Tensor apply(byte[] encoded) throws ImageDecodeException {
        return apply(encoded, DecodeBudget.unbounded());
    }

    /**
     * The tensor of one frame, its decode memory taken from {@code budget}. Every failure is this
     * frame's: {@code CORRUPT_IMAGE}, {@code IMAGE_TOO_LARGE}, or {@code OUT_OF_MEMORY} when the
     * heap ran out meanwhile.
     */
    public Tensor apply(byte[] encoded, DecodeBudget budget) throws ImageDecodeException {
        Tensor reuse = spare();
        try (ImageDecoder.Decoding d = decoder.decode(encoded, target, budget)) {
            Tensor t = tensor(d.image(), reuse);
            reuse = null;
            return t;
        } catch (OutOfMemoryError e) {
            throw new ImageDecodeException(
                    ErrorCode.OUT_OF_MEMORY,
                    "out of memory pre-processing a " + encoded.length + "-byte frame");
        } finally {
            if (reuse != null) {
                recycle(reuse);
            }
        }
    }

    /**
     * Hands a tensor back once nothing reads its values any more (its batch went to the model): the
     * next {@link #apply} overwrites its array instead of allocating one. A 640x640 float32 tensor
     * is 4.9 MB, a humongous object for G1 that is allocated, zeroed and collected per frame
     * otherwise. Idle tensors are kept up to one batch of them and at most {@value #KEEP_BYTES}
     * bytes; the letterbox of a recycled tensor stays valid. A tensor this pre-processor padded is
     * not padded again for a frame of the same letterbox (the same camera's next frame): only its
     * image is written. Recycle a tensor once, and only when nothing writes its array any more.
     */
    public void recycle(Tensor t) {
        if (t == null) {
            return;
        }
        if (spares.incrementAndGet() <= keep) {
            spare.add(t);
        } else {
            spares.decrementAndGet();
        }
    }

    private Tensor spare() {
        Tensor t = spare.poll();
        if (t != null) {
            spares.decrementAndGet();
        }
        return t;
    }

    /**
     * The tensor arrays this pre-processor has padded (for the letterbox their {@link Tensor}
     * holds): a recycled one that is not among them, a tensor of another pre-processor, is padded
     * again. Weak keys, compared by identity (arrays do not override {@code equals}).
     */
    private final java.util.Map<Object, Boolean> padded =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** The most bytes of idle tensors one pre-processor keeps for reuse. */
    static final long KEEP_BYTES = 32L << 20;

    private final java.util.concurrent.ConcurrentLinkedQueue<Tensor> spare =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger spares =
            new java.util.concurrent.atomic.AtomicInteger();

    /** The tensor of decoded pixels (package-private: tests feed it images directly). */
    Tensor tensor(DecodedImage image) {
        return tensor(image, null);
    }

    /**
     * The tensor of decoded pixels, written into {@code reuse}'s array when it has one of this
     * model's size and dtype (every element is written: image, then padding).
     */
    Tensor tensor(DecodedImage image, Tensor reuse) {
        int w = input.width();
        int h = input.height();
        int sw = image.sourceWidth();
        int sh = image.sourceHeight();
        int nw = w;
        int nh = h;
        int px = 0;
        int py = 0;
        if (letterbox) {
            int[] scaled = target.need(sw, sh);
            nw = scaled[0];
            nh = scaled[1];
            px = (w - nw) / 2;
            py = (h - nh) / 2;
        }
        Letterbox box = new Letterbox((double) nw / sw, (double) nh / sh, px, py, sw, sh);
        int n = input.elements();
        float[] floats = null;
        byte[] bytes = null;
        Object tensorArray;
        if (uint8) {
            bytes =
                    reuse != null && reuse.uint8() != null && reuse.uint8().length == n
                            ? reuse.uint8()
                            : new byte[n];
            tensorArray = bytes;
        } else {
            floats =
                    reuse != null && reuse.floats() != null && reuse.floats().length == n
                            ? reuse.floats()
                            : new float[n];
            tensorArray = floats;
        }
        // A recycled tensor this pre-processor padded for the same letterbox (the next frame of
        // the same camera) still holds that padding: only the image is written.
        if (!(reuse != null && box.equals(reuse.letterbox()) && padded.containsKey(tensorArray))) {
            pad(floats, bytes, w, h, px, py, nw, nh);
            padded.put(tensorArray, Boolean.TRUE);
        }

        int ch = image.channels();
        Plan plan = plan(image.width(), image.height(), nw, nh, ch);
        Axis fx = plan.x;
        Axis fy = plan.y;
        int ring = fy.taps;
        Work work = WORK.get().size(ring, ch, nw, image.width());
        // libjpeg-turbo's output is read where it was written (a direct buffer): the vector pass
        // loads from it, the scalar pass copies one row at a time into a small heap row.
        ByteBuffer src = image.pixels();
        byte[] array = src.hasArray() && src.arrayOffset() == 0 ? src.array() : null;
        int[][][] rows = work.rows;
        int[] rowOf = work.rowOf;
        java.util.Arrays.fill(rowOf, 0, ring, -1);
        int[] line = work.line;
        int srcStride = image.width() * ch;
        // The decoded channel of each model channel: decoded pixels are RGB (or one grey).
        int[] from = new int[3];
        for (int c = 0; c < 3; c++) {
            from[c] = ch == 1 ? 0 : rgb ? c : 2 - c;
        }
        int plane = w * h;
        if (fx.identity && fy.identity) {
            // The decoded image already is the size it takes in the tensor (720p at 4/8, a
            // 640x480 frame): no resize, the bytes go straight to the model's values.
            copy(src, array, work.row, ch, from, floats, bytes, w, plane, px, py, nw, nh);
            return new Tensor(floats, bytes, box);
        }
        int[][] taps = new int[fy.taps][];
        int[][][] nhwcTaps = new int[3][fy.taps][];
        for (int oy = 0; oy < nh; oy++) {
            int sy = fy.start[oy];
            for (int t = 0; t < fy.taps; t++) {
                int slot = (sy + t) % ring;
                if (rowOf[slot] != sy + t) {
                    if (plan.vx != null) {
                        VectorResize.horizontal(
                                src,
                                (sy + t) * srcStride,
                                fx,
                                (VectorResize.Tables) plan.vx,
                                nw,
                                rows[slot]);
                    } else {
                        byte[] row = array;
                        int offset = (sy + t) * srcStride;
                        if (row == null) {
                            src.get(offset, work.row, 0, srcStride);
                            row = work.row;
                            offset = 0;
                        }
                        horizontal(row, offset, ch, image.width(), fx, nw, work.packed, rows[slot]);
                    }
                    rowOf[slot] = sy + t;
                }
            }
            int y = py + oy;
            if (vector && channelsLast) {
                for (int c = 0; c < 3; c++) {
                    for (int t = 0; t < fy.taps; t++) {
                        nhwcTaps[c][t] = rows[(sy + t) % ring][from[c]];
                    }
                }
                VectorResize.verticalNhwc(
                        nhwcTaps, fy, oy, nw, floats, bytes, (y * w + px) * 3, mul, add);
                continue;
            }
            for (int c = 0; c < 3; c++) {
                for (int t = 0; t < fy.taps; t++) {
                    taps[t] = rows[(sy + t) % ring][from[c]];
                }
                if (vector && !channelsLast) {
                    VectorResize.verticalNchw(
                            taps,
                            fy,
                            oy,
                            nw,
                            floats,
                            bytes,
                            c * plane + y * w + px,
                            mul[c],
                            add[c]);
                    continue;
                }
                vertical(taps, fy, oy, line, nw);
                if (channelsLast) {
                    int o = (y * w + px) * 3 + c;
                    if (uint8) {
                        for (int ox = 0; ox < nw; ox++) {
                            bytes[o + 3 * ox] = (byte) line[ox];
                        }
                    } else {
                        float m = mul[c];
                        float k = add[c];
                        for (int ox = 0; ox < nw; ox++) {
                            floats[o + 3 * ox] = line[ox] * m + k;
                        }
                    }
                } else {
                    int o = c * plane + y * w + px;
                    if (uint8) {
                        for (int ox = 0; ox < nw; ox++) {
                            bytes[o + ox] = (byte) line[ox];
                        }
                    } else {
                        float m = mul[c];
                        float k = add[c];
                        for (int ox = 0; ox < nw; ox++) {
                            floats[o + ox] = line[ox] * m + k;
                        }
                    }
                }
            }
        }
        return new Tensor(floats, bytes, box);
    }

    /**
     * Fixed point: the horizontal weights are integers summing to exactly {@code 1 << 13}, the
     * vertical ones to {@code 1 << 14}. The horizontal pass keeps 8 fractional bits, so the
     * vertical sums stay below {@code 255 << 22} and the result rounds to 0..255 without clamping
     * (the weights are never negative).
     */
    static final int X_BITS = 13;

    static final int Y_BITS = 14;
    private static final int MID_SHIFT = X_BITS - 8;
    private static final int OUT_SHIFT = Y_BITS + 8;

    /** Three 21-bit lanes in a long: R, G and B of a pixel, summed in one multiply-add. */
    private static final int LANE = 21;

    private static final long LANE_MASK = (1L << LANE) - 1;

    /**
     * The horizontal pass of one decoded row (interleaved bytes from {@code offset}) into one
     * planar row per channel, 8 fractional bits. Each output's taps are consecutive pixels from its
     * window start. RGB pixels are first packed into three 21-bit lanes of a long ({@code 255 x
     * 2^13} fits in 21 bits), so each tap is one load, one multiply and one add for all three
     * channels.
     */
    static void horizontal(
            byte[] src,
            int offset,
            int ch,
            int width,
            Axis fx,
            int nw,
            long[] packed,
            int[][] out) {
        int taps = fx.taps;
        int[] start = fx.start;
        int[] weight = fx.weight;
        int half = 1 << (MID_SHIFT - 1);
        if (fx.identity) {
            // Same width: the 8 fractional bits of a copy.
            if (ch == 3) {
                int[] r = out[0];
                int[] g = out[1];
                int[] b = out[2];
                for (int x = 0, i = offset; x < nw; x++, i += 3) {
                    r[x] = (src[i] & 0xff) << 8;
                    g[x] = (src[i + 1] & 0xff) << 8;
                    b[x] = (src[i + 2] & 0xff) << 8;
                }
            } else {
                int[] v = out[0];
                for (int x = 0; x < nw; x++) {
                    v[x] = (src[offset + x] & 0xff) << 8;
                }
            }
            return;
        }
        if (ch == 3) {
            for (int x = 0, i = offset; x < width; x++, i += 3) {
                packed[x] =
                        (src[i] & 0xff)
                                | (long) (src[i + 1] & 0xff) << LANE
                                | (long) (src[i + 2] & 0xff) << (2 * LANE);
            }
            long halves = half | (long) half << LANE | (long) half << (2 * LANE);
            int[] r = out[0];
            int[] g = out[1];
            int[] b = out[2];
            if (taps == 2) {
                for (int ox = 0; ox < nw; ox++) {
                    int j = start[ox];
                    long s =
                            halves
                                    + weight[2 * ox] * packed[j]
                                    + weight[2 * ox + 1] * packed[j + 1];
                    r[ox] = (int) (s & LANE_MASK) >> MID_SHIFT;
                    g[ox] = (int) ((s >>> LANE) & LANE_MASK) >> MID_SHIFT;
                    b[ox] = (int) (s >>> (2 * LANE)) >> MID_SHIFT;
                }
            } else if (taps == 3) {
                for (int ox = 0; ox < nw; ox++) {
                    int j = start[ox];
                    long s =
                            halves
                                    + weight[3 * ox] * packed[j]
                                    + weight[3 * ox + 1] * packed[j + 1]
                                    + weight[3 * ox + 2] * packed[j + 2];
                    r[ox] = (int) (s & LANE_MASK) >> MID_SHIFT;
                    g[ox] = (int) ((s >>> LANE) & LANE_MASK) >> MID_SHIFT;
                    b[ox] = (int) (s >>> (2 * LANE)) >> MID_SHIFT;
                }
            } else {
                for (int ox = 0, t0 = 0; ox < nw; ox++, t0 += taps) {
                    int j = start[ox];
                    long s = halves;
                    for (int t = 0; t < taps; t++) {
                        s += weight[t0 + t] * packed[j + t];
                    }
                    r[ox] = (int) (s & LANE_MASK) >> MID_SHIFT;
                    g[ox] = (int) ((s >>> LANE) & LANE_MASK) >> MID_SHIFT;
                    b[ox] = (int) (s >>> (2 * LANE)) >> MID_SHIFT;
                }
            }
        } else {
            int[] v = out[0];
            for (int ox = 0, t0 = 0; ox < nw; ox++, t0 += taps) {
                int i = offset + start[ox];
                int s = half;
                for (int t = 0; t < taps; t++) {
                    s += weight[t0 + t] * (src[i + t] & 0xff);
                }
                v[ox] = s >> MID_SHIFT;
            }
        }
    }

    /**
     * The vertical pass of one output row of one channel: {@code rows[t]} are its taps' planar rows
     * from {@link #horizontal}; {@code line} gets 0..255.
     */
    static void vertical(int[][] rows, Axis fy, int oy, int[] line, int nw) {
        int taps = fy.taps;
        int t0 = oy * taps;
        int[] a = rows[0];
        int wa = fy.weight[t0];
        if (taps == 1) {
            for (int i = 0; i < nw; i++) {
                line[i] = (a[i] + 128) >> 8;
            }
        } else if (taps == 2) {
            int[] b = rows[1];
            int wb = fy.weight[t0 + 1];
            int half = 1 << (OUT_SHIFT - 1);
            for (int i = 0; i < nw; i++) {
                line[i] = (wa * a[i] + wb * b[i] + half) >> OUT_SHIFT;
            }
        } else if (taps == 3) {
            int[] b = rows[1];
            int wb = fy.weight[t0 + 1];
            int[] c = rows[2];
            int wc = fy.weight[t0 + 2];
            int half = 1 << (OUT_SHIFT - 1);
            for (int i = 0; i < nw; i++) {
                line[i] = (wa * a[i] + wb * b[i] + wc * c[i] + half) >> OUT_SHIFT;
            }
        } else {
            int half = 1 << (OUT_SHIFT - 1);
            for (int i = 0; i < nw; i++) {
                line[i] = wa * a[i] + half;
            }
            for (int t = 1; t < taps; t++) {
                int[] r = rows[t];
                int wt = fy.weight[t0 + t];
                for (int i = 0; i < nw; i++) {
                    line[i] += wt * r[i];
                }
            }
            for (int i = 0; i < nw; i++) {
                line[i] >>= OUT_SHIFT;
            }
        }
    }

    /** The decoded pixels, {@code nw x nh}, into the tensor at {@code (px, py)} as they are. */
    private void copy(
            ByteBuffer buffer,
            byte[] array,
            byte[] rowBuffer,
            int ch,
            int[] from,
            float[] floats,
            byte[] bytes,
            int w,
            int plane,
            int px,
            int py,
            int nw,
            int nh) {
        int stride = nw * ch;
        int[] at = new int[3];
        for (int y = 0; y < nh; y++) {
            int row = y * stride;
            int pixel = (py + y) * w + px;
            if (vector && ch == 3 && !channelsLast) {
                for (int c = 0; c < 3; c++) {
                    at[c] = c * plane + pixel;
                }
                VectorResize.copyNchw(buffer, row, nw, from, floats, bytes, at, mul, add);
                continue;
            }
            byte[] src = array;
            if (src == null) {
                buffer.get(row, rowBuffer, 0, stride);
                src = rowBuffer;
                row = 0;
            }
            if (channelsLast) {
                if (uint8 && ch == 3 && rgb) {
                    System.arraycopy(src, row, bytes, pixel * 3, stride);
                    continue;
                }
                for (int c = 0; c < 3; c++) {
                    int o = pixel * 3 + c;
                    int i = row + from[c];
                    if (uint8) {
                        for (int x = 0; x < nw; x++) {
                            bytes[o + 3 * x] = src[i + ch * x];
                        }
                    } else {
                        float m = mul[c];
                        float k = add[c];
                        for (int x = 0; x < nw; x++) {
                            floats[o + 3 * x] = (src[i + ch * x] & 0xff) * m + k;
                        }
                    }
                }
            } else {
                for (int c = 0; c < 3; c++) {
                    int o = c * plane + pixel;
                    int i = row + from[c];
                    if (uint8) {
                        if (ch == 1) {
                            System.arraycopy(src, row, bytes, o, nw);
                        } else {
                            for (int x = 0; x < nw; x++) {
                                bytes[o + x] = src[i + 3 * x];
                            }
                        }
                    } else {
                        float m = mul[c];
                        float k = add[c];
                        if (ch == 1) {
                            for (int x = 0; x < nw; x++) {
                                floats[o + x] = (src[row + x] & 0xff) * m + k;
                            }
                        } else {
                            for (int x = 0; x < nw; x++) {
                                floats[o + x] = (src[i + 3 * x] & 0xff) * m + k;
                            }
                        }
                    }
                }
            }
        }
    }

    /** Writes the padding around the image once, as runs. */
    private void pad(float[] floats, byte[] bytes, int w, int h, int px, int py, int nw, int nh) {
        if (nw == w && nh == h) {
            return;
        }
        int plane = w * h;
        for (int c = 0; c < 3; c++) {
            float f = padValue * mul[c] + add[c];
            // Runs of padding in one channel: above, beside each image row, below.
            if (channelsLast) {
                fillStrided(floats, bytes, c, 0, py * w, f);
                for (int y = py; y < py + nh; y++) {
                    fillStrided(floats, bytes, c, y * w, px, f);
                    fillStrided(floats, bytes, c, y * w + px + nw, w - px - nw, f);
                }
                fillStrided(floats, bytes, c, (py + nh) * w, (h - py - nh) * w, f);
            } else {
                int base = c * plane;
                fill(floats, bytes, base, base + py * w, f);
                for (int y = py; y < py + nh; y++) {
                    fill(floats, bytes, base + y * w, base + y * w + px, f);
                    fill(floats, bytes, base + y * w + px + nw, base + (y + 1) * w, f);
                }
                fill(floats, bytes, base + (py + nh) * w, base + plane, f);
            }
        }
    }

    private void fill(float[] floats, byte[] bytes, int from, int to, float f) {
        if (from >= to) {
            return;
        }
        if (bytes != null) {
            java.util.Arrays.fill(bytes, from, to, (byte) padValue);
        } else {
            java.util.Arrays.fill(floats, from, to, f);
        }
    }

    /** {@code pixels} pixels of channel {@code c} from pixel {@code at}, interleaved (NHWC). */
    private void fillStrided(float[] floats, byte[] bytes, int c, int at, int pixels, float f) {
        int end = (at + pixels) * 3;
        if (bytes != null) {
            for (int i = at * 3 + c; i < end; i += 3) {
                bytes[i] = (byte) padValue;
            }
        } else {
            for (int i = at * 3 + c; i < end; i += 3) {
                floats[i] = f;
            }
        }
    }

    /**
     * One axis's resampling in fixed point: per output, the start of its window of {@code taps}
     * consecutive source samples and their integer weights, summing to {@code 1 << bits}. Windows
     * are moved inside the source at its edges, the weights of clamped samples added to the edge
     * sample's, which is what clamping means.
     */
    static final class Axis {
        final int taps;
        final int[] start;
        final int[] weight;

        /** Same size: output {@code o} is input {@code o}. */
        final boolean identity;

        Axis(int in, int out, int bits) {
            identity = in == out;
            if (in == out) {
                taps = 1;
                start = new int[out];
                weight = new int[out];
                for (int o = 0; o < out; o++) {
                    start[o] = o;
                    weight[o] = 1 << bits;
                }
                return;
            }
            Filter f = new Filter(in, out);
            taps = Math.min(f.taps, in);
            start = new int[out];
            weight = new int[out * taps];
            double[] w = new double[taps];
            for (int o = 0; o < out; o++) {
                int first = f.index[o * f.taps];
                for (int t = 1; t < f.taps; t++) {
                    first = Math.min(first, f.index[o * f.taps + t]);
                }
                first = Math.max(0, Math.min(in - taps, first));
                java.util.Arrays.fill(w, 0);
                for (int t = 0; t < f.taps; t++) {
                    w[f.index[o * f.taps + t] - first] += f.weight[o * f.taps + t];
                }
                start[o] = first;
                int sum = 0;
                int largest = o * taps;
                for (int t = 0; t < taps; t++) {
                    int q = (int) Math.round(w[t] * (1 << bits));
                    weight[o * taps + t] = q;
                    sum += q;
                    if (q > weight[largest]) {
                        largest = o * taps + t;
                    }
                }
                // Rounding leaves the sum a unit or two off: the largest weight takes it up.
                weight[largest] += (1 << bits) - sum;
            }
        }
    }

    /**
     * Both axes' tables for one decoded size and one scaled size, and the vector pass's tables for
     * the rows ({@code vx}: a {@link VectorResize.Tables}, typed {@code Object} so that this class
     * loads without the incubator module; null for the scalar pass).
     */
    record Plan(Axis x, Axis y, Object vx) {}

    private record PlanKey(int sw, int sh, int nw, int nh, int ch) {}

    /** Frames of a camera keep their size: the tables are computed once per size. */
    private final java.util.concurrent.ConcurrentHashMap<PlanKey, Plan> plans =
            new java.util.concurrent.ConcurrentHashMap<>();

    private Plan plan(int sw, int sh, int nw, int nh, int ch) {
        PlanKey key = new PlanKey(sw, sh, nw, nh, ch);
        Plan p = plans.get(key);
        if (p == null) {
            if (plans.size() >= 64) {
                plans.clear();
            }
            Axis x = new Axis(sw, nw, X_BITS);
            p =
                    new Plan(
                            x,
                            new Axis(sh, nh, Y_BITS),
                            vector && ch == 3 ? VectorResize.tables(x, nw) : null);
            plans.put(key, p);
        }
        return p;
    }

    /**
     * A thread's row buffers, grown as needed and kept: a ring of horizontally resized rows (one
     * planar row per channel, {@value #ROW_SLACK} ints longer than the image: the vector pass
     * writes whole vectors) as deep as the vertical taps, and one output line.
     */
    private static final class Work {
        int[][][] rows = new int[0][][];
        int[] rowOf = new int[0];
        int[] line = new int[0];
        long[] packed = new long[0];

        /** One decoded row on the heap, for the scalar pass over a direct buffer. */
        byte[] row = new byte[0];

        Work size(int ring, int channels, int width, int sourceWidth) {
            if (packed.length < sourceWidth) {
                packed = new long[sourceWidth];
            }
            if (row.length < sourceWidth * channels) {
                row = new byte[sourceWidth * channels];
            }
            if (rows.length < ring
                    || rows[0].length < channels
                    || rows[0][0].length < width + ROW_SLACK) {
                int depth = Math.max(ring, rows.length);
                int planes = Math.max(channels, rows.length == 0 ? 0 : rows[0].length);
                int len = Math.max(width + ROW_SLACK, line.length);
                rows = new int[depth][planes][len];
                rowOf = new int[depth];
                line = new int[len];
            }
            return this;
        }
    }

    /** Ints past the end of a row the vector pass may write: a vector of up to 2048 bits. */
    static final int ROW_SLACK = 64;

    private static final ThreadLocal<Work> WORK = ThreadLocal.withInitial(Work::new);

    /**
     * Resampling weights from {@code in} samples to {@code out}: a triangle (tent) filter as wide
     * as the scale when shrinking, bilinear when enlarging; edges clamp. Pixel centres align as in
     * OpenCV and Pillow.
     */
    static final class Filter {
        final int taps;
        final int[] index;
        final float[] weight;

        Filter(int in, int out) {
            double scale = (double) in / out;
            double support = Math.max(1.0, scale);
            // floor(centre + support) - floor(centre - support) <= ceil(2 x support) samples
            // have a weight above zero.
            taps = (int) Math.ceil(2 * support);
            index = new int[out * taps];
            weight = new float[out * taps];
            for (int o = 0; o < out; o++) {
                double centre = (o + 0.5) * scale - 0.5;
                int first = (int) Math.floor(centre - support) + 1;
                double sum = 0;
                for (int t = 0; t < taps; t++) {
                    int i = first + t;
                    double wgt = Math.max(0, 1 - Math.abs(i - centre) / support);
                    index[o * taps + t] = Math.max(0, Math.min(in - 1, i));
                    weight[o * taps + t] = (float) wgt;
                    sum += wgt;
                }
                for (int t = 0; t < taps; t++) {
                    weight[o * taps + t] /= (float) sum;
                }
            }
        }
    }

    /** The little-endian buffer for a batch of {@code frames} of this model's tensors. */
    public ByteBuffer allocate(int frames) {
        return ByteBuffer.allocate(Math.toIntExact(frames * bytes()))
                .order(ByteOrder.LITTLE_ENDIAN);
    }
}
