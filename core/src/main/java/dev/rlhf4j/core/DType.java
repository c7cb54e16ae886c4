package dev.rlhf4j.core;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * The element types a {@link Tensor} can hold.
 *
 * <p>{@link #FLOAT32} is the compute type; {@link #FLOAT64} works everywhere and is what gradient checks and
 * reference tests use. {@link #FLOAT16} and {@link #BFLOAT16} are storage types only: an operation reading
 * one of them computes in float32, so log-probs, softmax and losses never run in half precision.
 */
public enum DType {
    FLOAT32(DataType.FLOAT, 4),
    FLOAT64(DataType.DOUBLE, 8),
    FLOAT16(DataType.HALF, 2),
    BFLOAT16(DataType.BFLOAT16, 2),
    INT64(DataType.LONG, 8),
    INT32(DataType.INT, 4),
    BOOL(DataType.BOOL, 1);

    private final DataType nd4j;
    private final int bytes;

    DType(DataType nd4j, int bytes) {
        this.nd4j = nd4j;
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** True for the half-precision storage types that are upcast to float32 before any arithmetic. */
    public boolean isHalf() {
        return this == FLOAT16 || this == BFLOAT16;
    }

    /** True for the floating-point types. */
    public boolean isFloating() {
        return this == FLOAT32 || this == FLOAT64 || isHalf();
    }

    /** The type arithmetic on this type runs in: float32 for half types, itself otherwise. */
    public DType computeType() {
        return isHalf() ? FLOAT32 : this;
    }

    /** The safetensors name of this type ({@code F32}, {@code BF16}, ...). */
    public String safetensorsName() {
        return switch (this) {
            case FLOAT32 -> "F32";
            case FLOAT64 -> "F64";
            case FLOAT16 -> "F16";
            case BFLOAT16 -> "BF16";
            case INT64 -> "I64";
            case INT32 -> "I32";
            case BOOL -> "BOOL";
        };
    }

    /** Parses a safetensors dtype name; the error names the accepted ones. */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + name + "' (expected one of F32, F64, F16, BF16, I64, I32, BOOL)");
    }

    DataType nd4j() {
        return nd4j;
    }

    static DType of(DataType type) {
        return switch (type) {
            case FLOAT -> FLOAT32;
            case DOUBLE -> FLOAT64;
            case HALF -> FLOAT16;
            case BFLOAT16 -> BFLOAT16;
            case LONG -> INT64;
            case INT -> INT32;
            case BOOL -> BOOL;
            default -> throw new IllegalArgumentException("unsupported ND4J data type " + type);
        };
    }
}
