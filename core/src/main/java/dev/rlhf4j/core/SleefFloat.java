package dev.rlhf4j.core;

/**
 * The float32 exp and log that PyTorch's AVX2 CPU kernels call ({@code Vectorized<float>::exp()} and
 * {@code ::log()} are SLEEF's {@code Sleef_expf8_u10} and {@code Sleef_logf8_u10}), re-derived in Java one lane
 * at a time: the same float operations in the same order, with {@link Math#fma} wherever SLEEF's AVX2 build
 * multiplies and adds in one rounding ({@code vmla} is {@code _mm256_fmadd_ps} there). Each lane of the vector code
 * computes independently, so these return the vector code's bits.
 *
 * <p>Both are faithful (under 1 ulp) but not correctly rounded. That is why they exist: on the gpt2-tiny-random
 * logits, 616 of 6,144 values of {@code exp(z - max)} differ by one ulp from the correctly rounded float, which is
 * enough to move a float32 loss gradient by ~1e-8 relative. Algorithms after SLEEF (Boost Software License 1.0):
 * exp by Cody-Waite reduction {@code x = q ln2 + s} and a degree-7 polynomial; log on the mantissa scaled into
 * [0.75, 1.5), with {@code (m-1)/(m+1)} and the additions in double-float ({@code hi + lo}) arithmetic.
 */
final class SleefFloat {
    private SleefFloat() {
    }

    private static final float LN2_HI = 0.693145751953125f;                 // ln 2 in two parts: HI has trailing zero bits,
    private static final float LN2_LO = 1.428606765330187045e-06f;          // so q * HI is exact for the q that occur
    private static final float INV_LN2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;

    /** exp(d) as {@code Sleef_expf8_u10}: q = rint(d / ln 2), s = d - q ln 2, exp(s) by polynomial, times 2^q. */
    static float exp(float d) {
        int q = (int) Math.rint(d * INV_LN2);                              // round half to even, as cvtps2dq
        float qf = q;
        float s = Math.fma(qf, -LN2_HI, d);
        s = Math.fma(qf, -LN2_LO, s);
        float u = (float) 0.000198527617612853646278381;
        u = Math.fma(u, s, (float) 0.00139304355252534151077271);
        u = Math.fma(u, s, (float) 0.00833336077630519866943359);
        u = Math.fma(u, s, (float) 0.0416664853692054748535156);
        u = Math.fma(u, s, (float) 0.166666671633720397949219);
        u = Math.fma(u, s, 0.5f);
        u = 1.0f + Math.fma(s * s, u, s);                                   // 1 + s + s^2 * u
        u = scaleByPowerOfTwo(u, q);
        if (d < -104f) {
            return 0f;
        }
        if (d > 100f) {
            return Float.POSITIVE_INFINITY;
        }
        return u;                                                            // NaN stays NaN
    }

    /** log(d) as {@code Sleef_logf8_u10} (SLEEF's {@code logf_u1}) on its AVX2 path. */
    static float log(float d) {
        boolean tiny = d < Float.MIN_NORMAL;
        if (tiny) {
            d *= 1.8446744073709552E19f;                                    // 2^64: subnormals to normal range
        }
        int e = ((Float.floatToRawIntBits(d * (1.0f / 0.75f)) >>> 23) & 0xff) - 0x7f;
        float m = Float.intBitsToFloat(Float.floatToRawIntBits(d) - (e << 23));   // d / 2^e, in [0.75, 1.5)
        if (tiny) {
            e -= 64;
        }
        // s = e * ln2 as hi + lo (ln2 itself split in two floats)
        float ef = e;
        float sHi = 0.69314718246459960938f * ef;
        float sLo = Math.fma(-1.904654323148236017e-09f, ef, Math.fma(0.69314718246459960938f, ef, -sHi));
        // x = (m - 1) / (m + 1) in double-float: exact sums, then a corrected quotient
        float[] num = exactSum(-1f, m);
        float[] den = exactSum(1f, m);
        float t = 1f / den[0];
        float xHi = num[0] * t;
        float err = Math.fma(t, num[0], -xHi);
        float v = Math.fma(-den[1], t, Math.fma(-den[0], t, 1f));
        float xLo = Math.fma(xHi, v, Math.fma(num[1], t, err));
        float x2 = xHi * xHi;
        float p = Math.fma(Math.fma(0.3027294874f, x2, 0.3996108174f), x2, 0.6666694880f);
        // log = e ln2 + 2x + x^3 p, summed hi-first as SLEEF's dfadd
        float aHi = xHi * 2f;
        float aLo = xLo * 2f;
        float s1 = sHi + aHi;
        float s1Lo = (((sHi - s1) + aHi) + sLo) + aLo;
        float w = (x2 * xHi) * p;
        float s2 = s1 + w;
        float s2Lo = ((s1 - s2) + w) + s1Lo;
        float r = s2 + s2Lo;
        if (d == Float.POSITIVE_INFINITY) {
            return Float.POSITIVE_INFINITY;
        }
        if (d < 0f || Float.isNaN(d)) {
            return Float.NaN;
        }
        if (d == 0f) {
            return Float.NEGATIVE_INFINITY;
        }
        return r;
    }

    /** a + b as an unevaluated pair {hi, lo} with hi + lo exact (Knuth's two-sum). */
    private static float[] exactSum(float a, float b) {
        float s = a + b;
        float v = s - a;
        return new float[] {s, (a - (s - v)) + (b - v)};
    }

    /** u * 2^q in two steps, so q up to ~254 in magnitude stays representable on the way. */
    private static float scaleByPowerOfTwo(float u, int q) {
        int half = q >> 1;
        return u * powerOfTwo(half) * powerOfTwo(q - half);
    }

    private static float powerOfTwo(int q) {
        return Float.intBitsToFloat((q + 0x7f) << 23);
    }
}
