package io.coedge.format;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A record refused by the decoder: the original key, value and headers, unchanged, and why.
 *
 * @param source {@code topic/partition@offset} it was read from
 */
public record DeadLetter(
        String source,
        byte[] key,
        byte[] value,
        List<RawRecord.Header> headers,
        ErrorCode code,
        String detail) {

    public static DeadLetter of(RawRecord record, ErrorCode code, String detail) {
        return new DeadLetter(
                record.topic() + "/" + record.partition() + "@" + record.offset(),
                record.key(),
                record.value(),
                List.copyOf(record.headers()),
                code,
                detail);
    }

    /** The original headers followed by {@code coedge.error} and {@code coedge.error.detail}. */
    public List<RawRecord.Header> headersWithError() {
        List<RawRecord.Header> out = new ArrayList<>(headers);
        out.add(
                new RawRecord.Header(
                        FrameHeaders.ERROR, code.name().getBytes(StandardCharsets.UTF_8)));
        out.add(
                new RawRecord.Header(
                        FrameHeaders.ERROR_DETAIL, detail.getBytes(StandardCharsets.UTF_8)));
        return out;
    }
}
