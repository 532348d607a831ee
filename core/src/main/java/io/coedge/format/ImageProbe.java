package io.coedge.format;

import java.util.zip.CRC32;

/**
 * Reads an image's format and declared size from its header alone, without decoding pixels, so that
 * non-images, truncated headers and decompression bombs are refused before any decoder allocates
 * memory for them.
 */
public final class ImageProbe {
    private static final byte[] PNG_SIGNATURE = {
        (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
    };

    /** Format and declared dimensions, or why they cannot be read. */
    public sealed interface Probe {}

    public record Ok(ImageFormat format, int width, int height) implements Probe {}

    public record Bad(ErrorCode code, String detail) implements Probe {}

    private ImageProbe() {}

    public static Probe probe(byte[] data) {
        if (data.length >= 3
                && (data[0] & 0xff) == 0xff
                && (data[1] & 0xff) == 0xd8
                && (data[2] & 0xff) == 0xff) {
            return jpeg(data);
        }
        if (startsWith(data, PNG_SIGNATURE)) {
            return png(data);
        }
        return new Bad(
                ErrorCode.NOT_AN_IMAGE,
                "no JPEG (FF D8 FF) or PNG signature; first bytes " + hex(data, 8));
    }

    private static Probe png(byte[] d) {
        // The first chunk must be IHDR: length 13, type, width, height, depth, colour, ..., CRC.
        if (d.length < 8 + 8 + 13 + 4) {
            return new Bad(
                    ErrorCode.BAD_IMAGE_HEADER,
                    "truncated PNG: " + d.length + " bytes, no complete IHDR chunk");
        }
        int length = readInt(d, 8);
        if (length != 13 || d[12] != 'I' || d[13] != 'H' || d[14] != 'D' || d[15] != 'R') {
            return new Bad(
                    ErrorCode.BAD_IMAGE_HEADER, "corrupt PNG: first chunk is not a 13-byte IHDR");
        }
        CRC32 crc = new CRC32();
        crc.update(d, 12, 4 + 13);
        long expected = readInt(d, 8 + 8 + 13) & 0xffffffffL;
        if (crc.getValue() != expected) {
            return new Bad(ErrorCode.BAD_IMAGE_HEADER, "corrupt PNG: IHDR chunk CRC mismatch");
        }
        long width = readInt(d, 16) & 0xffffffffL;
        long height = readInt(d, 20) & 0xffffffffL;
        return dims(ImageFormat.PNG, width, height);
    }

    private static Probe jpeg(byte[] d) {
        int i = 2;
        while (i + 4 <= d.length) {
            if ((d[i] & 0xff) != 0xff) {
                return new Bad(
                        ErrorCode.BAD_IMAGE_HEADER, "corrupt JPEG: expected a marker at byte " + i);
            }
            int marker = d[i + 1] & 0xff;
            if (marker == 0xff) { // fill byte
                i++;
                continue;
            }
            if (marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
                i += 2;
                continue;
            }
            if (marker == 0xd9 || marker == 0xda) {
                return new Bad(
                        ErrorCode.BAD_IMAGE_HEADER,
                        "corrupt JPEG: scan data before any frame header");
            }
            int length = ((d[i + 2] & 0xff) << 8) | (d[i + 3] & 0xff);
            if (length < 2) {
                return new Bad(
                        ErrorCode.BAD_IMAGE_HEADER,
                        "corrupt JPEG: segment length " + length + " at byte " + i);
            }
            boolean startOfFrame =
                    marker >= 0xc0
                            && marker <= 0xcf
                            && marker != 0xc4
                            && marker != 0xc8
                            && marker != 0xcc;
            if (startOfFrame) {
                if (i + 9 > d.length) {
                    break;
                }
                int height = ((d[i + 5] & 0xff) << 8) | (d[i + 6] & 0xff);
                int width = ((d[i + 7] & 0xff) << 8) | (d[i + 8] & 0xff);
                return dims(ImageFormat.JPEG, width, height);
            }
            i += 2 + length;
        }
        return new Bad(
                ErrorCode.BAD_IMAGE_HEADER,
                "truncated JPEG: " + d.length + " bytes and no frame header");
    }

    private static Probe dims(ImageFormat format, long width, long height) {
        if (width <= 0 || height <= 0) {
            return new Bad(
                    ErrorCode.BAD_IMAGE_HEADER, format + " declares size " + width + "x" + height);
        }
        return new Ok(
                format,
                (int) Math.min(width, Integer.MAX_VALUE),
                (int) Math.min(height, Integer.MAX_VALUE));
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int readInt(byte[] d, int at) {
        return ((d[at] & 0xff) << 24)
                | ((d[at + 1] & 0xff) << 16)
                | ((d[at + 2] & 0xff) << 8)
                | (d[at + 3] & 0xff);
    }

    static String hex(byte[] data, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(max, data.length); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02X", data[i] & 0xff));
        }
        return sb.toString();
    }
}
