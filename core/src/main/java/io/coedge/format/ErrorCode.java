package io.coedge.format;

/**
 * Why a record went to the dead-letter topic or a frame ended as {@code ERROR}. The name is the
 * machine-readable code written in the {@code coedge.error} header and the result's reason.
 */
public enum ErrorCode {
    EMPTY_KEY("the record has no key; the key must be the camera id"),
    BAD_KEY_ENCODING("the key is not valid UTF-8"),
    EMPTY_VALUE("the record value is empty; it must be a JPEG or PNG image"),
    OVERSIZE_VALUE("the record value is larger than the configured maximum"),
    NOT_AN_IMAGE("the value is neither JPEG nor PNG"),
    BAD_IMAGE_HEADER("the image header is truncated or corrupt"),
    IMAGE_TOO_LARGE("the image declares more pixels than allowed (decompression bomb guard)"),
    CORRUPT_IMAGE("the image cannot be decoded"),
    OUT_OF_MEMORY("decoding the image needed more memory than the node had free"),
    MISSING_TASK("header coedge.task is missing"),
    BAD_TASK("header coedge.task is empty or not UTF-8"),
    UNKNOWN_TASK("header coedge.task names no task of the catalog"),
    MISSING_TIMESTAMP("header coedge.ts is missing"),
    BAD_TIMESTAMP("header coedge.ts is not a non-negative decimal epoch-millisecond time"),
    FUTURE_TIMESTAMP("header coedge.ts is further in the future than the allowed clock skew"),
    BAD_DEADLINE("header coedge.deadline.ms is not a decimal number of milliseconds in range"),
    BAD_ORIGIN("header coedge.origin is not UTF-8 or names no node of the catalog"),
    BAD_SEQUENCE("header coedge.frame is not a non-negative decimal integer"),
    DUPLICATE_HEADER("a coedge.* header appears more than once"),
    UNKNOWN_MODEL("the task's model is not served by the sidecar"),
    NO_SIDECAR("no reachable sidecar serves the frame's node"),
    INFERENCE_FAILED("the sidecar refused or failed the inference call"),
    INFERENCE_TIMEOUT("the sidecar did not answer in time"),
    BAD_MODEL_OUTPUT("the model's outputs do not have the layout its catalog postprocess names");

    private final String meaning;

    ErrorCode(String meaning) {
        this.meaning = meaning;
    }

    /** What the code means, for docs and messages. */
    public String meaning() {
        return meaning;
    }
}
