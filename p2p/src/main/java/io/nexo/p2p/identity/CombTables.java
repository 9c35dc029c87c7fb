package io.nexo.p2p.identity;

import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointPreCompInfo;
import org.bouncycastle.math.ec.FixedPointUtil;

/**
 * Wider fixed-point comb tables for the points that are multiplied most: P-256's generator and the
 * keys of origins heard from more than once. Bouncy Castle verifies with a comb over both points at
 * once (its fixed-point Shamir's trick) once a point has been used a few times, with tables of 2^6
 * points: 43 rounds of a doubling and two additions per verification. With tables of 2^8 points
 * (16 KiB per point) it takes 32 rounds. The table is built exactly as Bouncy Castle builds its own
 * ({@code FixedPointUtil.precompute}, only the width differs) and stored where Bouncy Castle looks for
 * it, so its comb loops (verification and {@code FixedPointCombMultiplier} for signing) use it as
 * they are. Both points of a verification must have tables of the same width, else Bouncy Castle
 * falls back to two separate multiplications: the generator's is installed with the curve, a key's
 * on its second use (before Bouncy Castle's own promotion, at the fifth).
 */
final class CombTables {

    /** Bits per comb column: 2^8 table entries, ceil(256 / 8) = 32 rounds. */
    static final int WIDTH = 8;

    private CombTables() {
    }

    /** Installs the wide table on {@code p} unless it has one (thread-safe: under Bouncy Castle's lock for {@code p}). */
    static void install(ECPoint p) {
        ECCurve c = p.getCurve();
        c.precompute(p, FixedPointUtil.PRECOMP_NAME, existing -> {
            if (existing instanceof FixedPointPreCompInfo fp && fp.getWidth() == WIDTH) {
                return existing;
            }
            return build(c, p);
        });
    }

    /** True when {@code p} carries the wide table (for tests). */
    static boolean installed(ECPoint p) {
        return p.getCurve().getPreCompInfo(p, FixedPointUtil.PRECOMP_NAME) instanceof FixedPointPreCompInfo fp
                && fp.getWidth() == WIDTH;
    }

    /** Bouncy Castle's construction with {@link #WIDTH}: the 2^WIDTH sums of p's comb teeth, and the offset. */
    private static FixedPointPreCompInfo build(ECCurve c, ECPoint p) {
        int bits = FixedPointUtil.getCombSize(c);
        int n = 1 << WIDTH;
        int d = (bits + WIDTH - 1) / WIDTH;
        ECPoint[] pow2Table = new ECPoint[WIDTH + 1];
        pow2Table[0] = p;
        for (int i = 1; i < WIDTH; ++i) {
            pow2Table[i] = pow2Table[i - 1].timesPow2(d);
        }
        pow2Table[WIDTH] = pow2Table[0].subtract(pow2Table[1]); // the offset
        c.normalizeAll(pow2Table);
        ECPoint[] lookupTable = new ECPoint[n];
        lookupTable[0] = pow2Table[0];
        for (int bit = WIDTH - 1; bit >= 0; --bit) {
            ECPoint pow2 = pow2Table[bit];
            int step = 1 << bit;
            for (int i = step; i < n; i += step << 1) {
                lookupTable[i] = lookupTable[i - step].add(pow2);
            }
        }
        c.normalizeAll(lookupTable);
        FixedPointPreCompInfo result = new FixedPointPreCompInfo();
        result.setLookupTable(c.createCacheSafeLookupTable(lookupTable, 0, lookupTable.length));
        result.setOffset(pow2Table[WIDTH]);
        result.setWidth(WIDTH);
        return result;
    }
}
