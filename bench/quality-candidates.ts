/**
 * Candidate clusterer settings scored side by side by `bench:quality --folds k` (bench/quality-folds.ts).
 * Each is a change from the base options (the defaults, or the clusterer flags given on the command line).
 * Results and what they led to: docs/clustering-quality.md.
 */
import type { ClustererOptions } from '../src/local/cluster/person-clusterer';

const spread = (minPhotos: number, ratio: number, trim = false) => ({ minPhotos, ratio, trim });
const isolated = (ratio: number, crowd?: number) => ({
  threshold: 0.55,
  ratio,
  ...(crowd === undefined ? {} : { crowd }),
});

export const CANDIDATES: Record<string, Partial<ClustererOptions>> = {
  default: {},
  // The defaults before issue 17: isolated groups without a crowd limit, no local spread.
  'before issue 17': { isolatedGroups: isolated(1.08), localSpread: null },
  'no crowd limit': { isolatedGroups: isolated(1.08) },
  'no local spread': { localSpread: null },
  'crowd 2': { isolatedGroups: isolated(1.08, 2) },
  'crowd 4': { isolatedGroups: isolated(1.08, 4) },
  'isolated off': { isolatedGroups: null },
  'isolated ratio 1.0, no crowd limit': { isolatedGroups: isolated(1.0) },
  'isolated ratio 1.15, crowd 2': { isolatedGroups: isolated(1.15, 2) },
  'spread 1.35': { localSpread: spread(5, 1.35) },
  'spread 1.5': { localSpread: spread(5, 1.5) },
  'spread 1.8': { localSpread: spread(5, 1.8) },
  'spread 1.4 from 10': { localSpread: spread(10, 1.4) },
  'spread 1.8 trim': { localSpread: spread(5, 1.8, true) },
  'small 1.0': { smallPeople: { below: 5, ratio: 1.0 } },
  'small 1.2': { smallPeople: { below: 5, ratio: 1.2 } },
  'small 1.2 + spread 1.35': { smallPeople: { below: 5, ratio: 1.2 }, localSpread: spread(5, 1.35) },
  'ratio 0.88': { ratioTest: { rank: 4, ratio: 0.88 } },
  'attach 0.55': { attachThreshold: 0.55 },
  // Rows for the fused vectors (--fuse): the blend wins recall back, which stricter rules can spend.
  'crowd 2 + spread 1.45': { isolatedGroups: isolated(1.08, 2), localSpread: spread(5, 1.45) },
  'ratio 0.84': { ratioTest: { rank: 4, ratio: 0.84 } },
  'ratio 0.85': { ratioTest: { rank: 4, ratio: 0.85 } },
  // For faceres projected onto its principal components (--fuse w,s,k): recall back through joins.
  'joins 0.56/0.54': { attachThreshold: 0.56, joinThreshold: 0.54 },
  'threshold 0.54': { threshold: 0.54, attachThreshold: 0.56, joinThreshold: 0.54 },
};
