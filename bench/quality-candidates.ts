/**
 * Candidate clusterer settings scored side by side by `bench:quality --folds k` (bench/quality-folds.ts).
 * Each is a change from the base options (the defaults, or the clusterer flags given on the command line).
 */
import type { ClustererOptions } from '../src/local/cluster/person-clusterer';

export const CANDIDATES: Record<string, Partial<ClustererOptions>> = {
  default: {},
  'small 1.0': { smallPeople: { below: 5, ratio: 1.0 } },
  'small 1.1': { smallPeople: { below: 5, ratio: 1.1 } },
  'small 1.2': { smallPeople: { below: 5, ratio: 1.2 } },
  'spread 1.2': { localSpread: { minPhotos: 5, ratio: 1.2, trim: false } },
  'spread 1.3': { localSpread: { minPhotos: 5, ratio: 1.3, trim: false } },
  'spread 1.4 trim': { localSpread: { minPhotos: 5, ratio: 1.4, trim: true } },
  'spread 1.6 trim': { localSpread: { minPhotos: 5, ratio: 1.6, trim: true } },
  'small 1.1 + spread 1.3': {
    smallPeople: { below: 5, ratio: 1.1 },
    localSpread: { minPhotos: 5, ratio: 1.3, trim: false },
  },
};
