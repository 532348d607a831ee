package io.coedge.operators.pre;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Preprocessor}'s resize with the JDK Vector API (incubating in JDK 17: only loaded when the
 * JVM runs with {@code --add-modules jdk.incubator.vector}, see {@link Simd}): the horizontal pass
 * of interleaved RGB rows (read in place from libjpeg-turbo's native output), and the vertical pass
 * fused with the write of an NCHW plane row or of an NHWC row (three channels interleaved by
 * shuffles and blends), float32 or uint8. The same integer arithmetic as the scalar passes and the
 * same float operations ({@code v x mul}, then {@code + add}, no fused multiply-add), so the tensor
 * is identical, bit for bit.
 *
 * <p>Why not gathers: {@code IntVector.fromArray(..., indexMap)} was slower than the scalar pass on
 * this machine (1.9 against 1.5 ms a 1080p frame). Instead, per block of {@link #PIXELS} outputs
 * (fewer where the block's window of source pixels would not fit one byte vector), one byte vector
 * of the interleaved row is loaded from the block's first source pixel, and per filter tap one
 * precomputed shuffle picks each output's tap byte, laid out planar (the block's R, then its G,
 * then its B, a quarter of the vector each), so that widening each quarter to ints gives one
 * channel's taps: a shuffle, three widenings, three multiply-adds per tap for the whole block.
 */
final class VectorResize {
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS =
            VectorSpecies.of(int.class, BYTES.vectorShape());
    private static final VectorSpecies<Float> FLOATS =
            VectorSpecies.of(float.class, BYTES.vectorShape());

    /** Bytes as many as {@link #INTS} has lanes (a quarter of the shape): uint8 rows. */
    private static final VectorSpecies<Byte> QUARTER_BYTES =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(BYTES.vectorBitSize() / 4));

    /** Outputs a block can hold: one channel's ints fill a quarter of the byte vector. */
    static final int PIXELS = INTS.length();

    /** Bytes of one vector. */
    static final int LANES = BYTES.length();

    /** Bytes have no order; the loads from buffers still take one. */
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private VectorResize() {}

    /** Whether vectors are wide enough to gain over the scalar pass (256 bits and more). */
    static boolean worthwhile() {
        return BYTES.vectorBitSize() >= 256;
    }

    /** The shape the Vector API chose on this CPU (logged once). */
    static String shape() {
        return BYTES.vectorBitSize() + "-bit vectors";
    }

    /** One axis's blocks: the tables of {@link #horizontal}, computed once per plan. */
    static final class Tables {
        /** Outputs per block (at most {@link #PIXELS}). */
        final int step;

        final int blocks;

        /** Per block, the byte offset of its first source pixel in the row. */
        final int[] base;

        /** Per block and tap ({@code block x taps + tap}). */
        final VectorShuffle<Byte>[] shuffles;

        /**
         * Per tap, the weight of each output, {@link #PIXELS} zeros beyond the last (a block's
         * lanes past its step read the next outputs' weights; their sums are overwritten).
         */
        final int[][] weights;

        final int taps;

        @SuppressWarnings("unchecked")
        private Tables(Preprocessor.Axis fx, int nw, int step) {
            this.step = step;
            this.taps = fx.taps;
            this.blocks = nw / step;
            this.base = new int[blocks];
            this.shuffles = new VectorShuffle[blocks * taps];
            this.weights = new int[taps][nw + PIXELS];
            for (int o = 0; o < nw; o++) {
                for (int t = 0; t < taps; t++) {
                    weights[t][o] = fx.weight[o * taps + t];
                }
            }
            int[] index = new int[LANES];
            for (int b = 0; b < blocks; b++) {
                int o0 = b * step;
                base[b] = 3 * fx.start[o0];
                for (int t = 0; t < taps; t++) {
                    for (int k = 0; k < LANES; k++) {
                        int c = k / PIXELS;
                        int j = k % PIXELS;
                        index[k] = c < 3 && j < step ? 3 * (fx.start[o0 + j] + t) + c - base[b] : 0;
                    }
                    shuffles[b * taps + t] = VectorShuffle.fromArray(BYTES, index, 0);
                }
            }
        }
    }

    /**
     * The tables for resizing rows of {@code fx}'s source width to {@code nw}, or null where the
     * filter is too wide for a useful block (more than {@link #PIXELS} / 4 outputs' windows not
     * fitting one vector: strong downscales, which DCT scaling leaves to libjpeg-turbo).
     */
    static Tables tables(Preprocessor.Axis fx, int nw) {
        if (fx.identity || nw < PIXELS) {
            return null;
        }
        for (int step = PIXELS; step >= Math.max(2, PIXELS / 4); step--) {
            if (fits(fx, nw, step)) {
                return new Tables(fx, nw, step);
            }
        }
        return null;
    }

    /** Whether every block of {@code step} outputs takes its taps from one vector of bytes. */
    private static boolean fits(Preprocessor.Axis fx, int nw, int step) {
        for (int o0 = 0; o0 + step <= nw; o0 += step) {
            int last = 3 * (fx.start[o0 + step - 1] + fx.taps - 1) + 2;
            if (last - 3 * fx.start[o0] >= LANES) {
                return false;
            }
        }
        return true;
    }

    /**
     * The horizontal pass of one interleaved RGB row from {@code offset} into three planar rows
     * (each at least {@code nw + PIXELS} long), 8 fractional bits: exactly {@link
     * Preprocessor#horizontal}'s result. Blocks whose vector would read past {@code src} fall back
     * to the scalar sum.
     */
    static void horizontal(
            ByteBuffer src, int offset, Preprocessor.Axis fx, Tables tb, int nw, int[][] out) {
        int half = 1 << (Preprocessor.X_BITS - 8 - 1);
        int shift = Preprocessor.X_BITS - 8;
        int taps = tb.taps;
        int[] r = out[0];
        int[] g = out[1];
        int[] b = out[2];
        IntVector halves = IntVector.broadcast(INTS, half);
        int limit = src.capacity() - LANES;
        int ox = 0;
        for (int k = 0; k < tb.blocks; k++) {
            int at = offset + tb.base[k];
            if (at > limit) {
                break;
            }
            int o0 = k * tb.step;
            ByteVector v = ByteVector.fromByteBuffer(BYTES, src, at, ORDER);
            IntVector sr = halves;
            IntVector sg = halves;
            IntVector sb = halves;
            for (int t = 0; t < taps; t++) {
                ByteVector x = v.rearrange(tb.shuffles[k * taps + t]);
                IntVector w = IntVector.fromArray(INTS, tb.weights[t], o0);
                sr = sr.add(widen(x, 0).mul(w));
                sg = sg.add(widen(x, 1).mul(w));
                sb = sb.add(widen(x, 2).mul(w));
            }
            sr.lanewise(VectorOperators.ASHR, shift).intoArray(r, o0);
            sg.lanewise(VectorOperators.ASHR, shift).intoArray(g, o0);
            sb.lanewise(VectorOperators.ASHR, shift).intoArray(b, o0);
            ox = o0 + tb.step;
        }
        for (; ox < nw; ox++) {
            int i = offset + 3 * fx.start[ox];
            int t0 = ox * fx.taps;
            int sr = half;
            int sg = half;
            int sb = half;
            for (int t = 0; t < fx.taps; t++, i += 3) {
                int w = fx.weight[t0 + t];
                sr += w * (src.get(i) & 0xff);
                sg += w * (src.get(i + 1) & 0xff);
                sb += w * (src.get(i + 2) & 0xff);
            }
            r[ox] = sr >> shift;
            g[ox] = sg >> shift;
            b[ox] = sb >> shift;
        }
    }

    /** Quarter {@code part} of a byte vector as unsigned ints. */
    private static IntVector widen(ByteVector x, int part) {
        return ((IntVector) x.convertShape(VectorOperators.B2I, INTS, part)).and(0xff);
    }

    /**
     * The vertical pass of one output row of one channel ({@code rows[t]}: its taps' planar rows
     * from the horizontal pass) written straight into an NCHW plane row from {@code at}: {@code v x
     * mul + add} as floats, or the 0..255 byte when {@code bytes} is given. Exactly {@link
     * Preprocessor#vertical} followed by the scalar write.
     */
    static void verticalNchw(
            int[][] rows,
            Preprocessor.Axis fy,
            int oy,
            int nw,
            float[] floats,
            byte[] bytes,
            int at,
            float mul,
            float add) {
        int taps = fy.taps;
        int t0 = oy * taps;
        int[] weight = fy.weight;
        int shift = Preprocessor.Y_BITS + 8;
        int half = 1 << (shift - 1);
        int n = INTS.length();
        int ox = 0;
        for (; ox <= nw - n; ox += n) {
            IntVector s = IntVector.broadcast(INTS, half);
            for (int t = 0; t < taps; t++) {
                s = s.add(IntVector.fromArray(INTS, rows[t], ox).mul(weight[t0 + t]));
            }
            s = s.lanewise(VectorOperators.ASHR, shift);
            if (bytes != null) {
                s.convertShape(VectorOperators.I2B, QUARTER_BYTES, 0)
                        .reinterpretAsBytes()
                        .intoArray(bytes, at + ox);
            } else {
                ((FloatVector) s.convertShape(VectorOperators.I2F, FLOATS, 0))
                        .mul(mul)
                        .add(add)
                        .intoArray(floats, at + ox);
            }
        }
        for (; ox < nw; ox++) {
            int s = half;
            for (int t = 0; t < taps; t++) {
                s += weight[t0 + t] * rows[t][ox];
            }
            s >>= shift;
            if (bytes != null) {
                bytes[at + ox] = (byte) s;
            } else {
                floats[at + ox] = s * mul + add;
            }
        }
    }

    /**
     * Interleaving three vectors of one channel each (R, G, B of {@link #PIXELS} pixels) into three
     * vectors of RGB triples, as NHWC lays them out: output vector {@code j}, lane {@code k} holds
     * element {@code g = j x PIXELS + k}, channel {@code g % 3} of pixel {@code g / 3}; per output
     * vector, each channel's vector is rearranged ({@code PICK[j]}: lane k from lane g / 3) and
     * blended in where {@code g % 3} is its channel.
     */
    private static final int[][] PICK_INDEX = new int[3][PIXELS];

    private static final boolean[][][] CHANNEL_LANES = new boolean[3][3][PIXELS];

    static {
        for (int j = 0; j < 3; j++) {
            for (int k = 0; k < PIXELS; k++) {
                int g = j * PIXELS + k;
                PICK_INDEX[j][k] = g / 3;
                CHANNEL_LANES[j][g % 3][k] = true;
            }
        }
    }

    private static final VectorShuffle<Integer>[] INT_PICK = shuffles(INTS, PICK_INDEX);
    private static final VectorShuffle<Float>[] FLOAT_PICK = shuffles(FLOATS, PICK_INDEX);

    @SuppressWarnings("unchecked")
    private static final VectorMask<Integer>[][] INT_CHANNEL = new VectorMask[3][3];

    @SuppressWarnings("unchecked")
    private static final VectorMask<Float>[][] FLOAT_CHANNEL = new VectorMask[3][3];

    static {
        for (int j = 0; j < 3; j++) {
            for (int c = 0; c < 3; c++) {
                INT_CHANNEL[j][c] = VectorMask.fromArray(INTS, CHANNEL_LANES[j][c], 0);
                FLOAT_CHANNEL[j][c] = VectorMask.fromArray(FLOATS, CHANNEL_LANES[j][c], 0);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <E> VectorShuffle<E>[] shuffles(VectorSpecies<E> species, int[][] index) {
        VectorShuffle<E>[] out = new VectorShuffle[index.length];
        for (int j = 0; j < index.length; j++) {
            out[j] = VectorShuffle.fromArray(species, index[j], 0);
        }
        return out;
    }

    private static FloatVector toFloat(IntVector v, float mul, float add) {
        return ((FloatVector) v.convertShape(VectorOperators.I2F, FLOATS, 0)).mul(mul).add(add);
    }

    private static IntVector verticalSum(
            int[][] rows, int taps, int[] weight, int t0, int ox, int half, int shift) {
        IntVector v = IntVector.broadcast(INTS, half);
        for (int t = 0; t < taps; t++) {
            v = v.add(IntVector.fromArray(INTS, rows[t], ox).mul(weight[t0 + t]));
        }
        return v.lanewise(VectorOperators.ASHR, shift);
    }

    /**
     * The vertical pass of one output row of all three model channels ({@code rows[c][t]}: model
     * channel {@code c}'s taps' planar rows from the horizontal pass) written straight into an NHWC
     * row of {@code nw} pixels from element {@code at}: per channel {@code v x mul[c] + add[c]} as
     * floats, or the 0..255 byte when {@code bytes} is given, interleaved by shuffles. Exactly
     * {@link Preprocessor#vertical} per channel followed by the scalar interleaved write.
     */
    static void verticalNhwc(
            int[][][] rows,
            Preprocessor.Axis fy,
            int oy,
            int nw,
            float[] floats,
            byte[] bytes,
            int at,
            float[] mul,
            float[] add) {
        int taps = fy.taps;
        int t0 = oy * taps;
        int[] weight = fy.weight;
        int shift = Preprocessor.Y_BITS + 8;
        int half = 1 << (shift - 1);
        int n = PIXELS;
        int ox = 0;
        for (; ox <= nw - n; ox += n) {
            IntVector r = verticalSum(rows[0], taps, weight, t0, ox, half, shift);
            IntVector g = verticalSum(rows[1], taps, weight, t0, ox, half, shift);
            IntVector b = verticalSum(rows[2], taps, weight, t0, ox, half, shift);
            int o = at + 3 * ox;
            if (bytes != null) {
                for (int j = 0; j < 3; j++) {
                    VectorShuffle<Integer> pick = INT_PICK[j];
                    r.rearrange(pick)
                            .blend(g.rearrange(pick), INT_CHANNEL[j][1])
                            .blend(b.rearrange(pick), INT_CHANNEL[j][2])
                            .convertShape(VectorOperators.I2B, QUARTER_BYTES, 0)
                            .reinterpretAsBytes()
                            .intoArray(bytes, o + j * n);
                }
            } else {
                FloatVector fr = toFloat(r, mul[0], add[0]);
                FloatVector fg = toFloat(g, mul[1], add[1]);
                FloatVector fb = toFloat(b, mul[2], add[2]);
                for (int j = 0; j < 3; j++) {
                    VectorShuffle<Float> pick = FLOAT_PICK[j];
                    fr.rearrange(pick)
                            .blend(fg.rearrange(pick), FLOAT_CHANNEL[j][1])
                            .blend(fb.rearrange(pick), FLOAT_CHANNEL[j][2])
                            .intoArray(floats, o + j * n);
                }
            }
        }
        for (; ox < nw; ox++) {
            for (int c = 0; c < 3; c++) {
                int v = half;
                for (int t = 0; t < taps; t++) {
                    v += weight[t0 + t] * rows[c][t][ox];
                }
                v >>= shift;
                int o = at + 3 * ox + c;
                if (bytes != null) {
                    bytes[o] = (byte) v;
                } else {
                    floats[o] = v * mul[c] + add[c];
                }
            }
        }
    }

    /** Lane {@code k} of a vector of interleaved RGB bytes, planar: channel k / PIXELS. */
    private static final VectorShuffle<Byte> PLANAR =
            VectorShuffle.fromOp(BYTES, k -> k / PIXELS < 3 ? 3 * (k % PIXELS) + k / PIXELS : 0);

    /**
     * One decoded RGB row of {@code nw} pixels from {@code offset}, not resized, into the three
     * NCHW plane rows at {@code at[c]} of model channel {@code c} (decoded channel {@code
     * from[c]}): {@code v x mul[c] + add[c]}, or the byte when {@code bytes} is given. Exactly the
     * scalar copy.
     */
    static void copyNchw(
            ByteBuffer src,
            int offset,
            int nw,
            int[] from,
            float[] floats,
            byte[] bytes,
            int[] at,
            float[] mul,
            float[] add) {
        int x = 0;
        int limit = src.capacity() - LANES;
        for (; x + PIXELS <= nw && offset + 3 * x <= limit; x += PIXELS) {
            ByteVector v =
                    ByteVector.fromByteBuffer(BYTES, src, offset + 3 * x, ORDER).rearrange(PLANAR);
            for (int c = 0; c < 3; c++) {
                IntVector i = widen(v, from[c]);
                if (bytes != null) {
                    i.convertShape(VectorOperators.I2B, QUARTER_BYTES, 0)
                            .reinterpretAsBytes()
                            .intoArray(bytes, at[c] + x);
                } else {
                    ((FloatVector) i.convertShape(VectorOperators.I2F, FLOATS, 0))
                            .mul(mul[c])
                            .add(add[c])
                            .intoArray(floats, at[c] + x);
                }
            }
        }
        for (; x < nw; x++) {
            for (int c = 0; c < 3; c++) {
                byte b = src.get(offset + 3 * x + from[c]);
                if (bytes != null) {
                    bytes[at[c] + x] = b;
                } else {
                    floats[at[c] + x] = (b & 0xff) * mul[c] + add[c];
                }
            }
        }
    }
}
