/**
 * Candidate clusterer settings scored side by side by `bench:quality --folds k` (bench/quality-folds.ts).
 * Each is a change from the base options (the defaults, or the clusterer flags given on the command line).
 */
import type { ClustererOptions } from '../src/local/cluster/person-clusterer';

const spread = (minPhotos: number, ratio: number, trim = false) => ({ minPhotos, ratio, trim });

export const CANDIDATES: Record<string, Partial<ClustererOptions>> = {
  default: {},
  'isolated off': { isolatedGroups: null },
  'small 0.9': { smallPeople: { below: 5, ratio: 0.9 } },
  'small 1.0': { smallPeople: { below: 5, ratio: 1.0 } },
  'small 1.1': { smallPeople: { below: 5, ratio: 1.1 } },
  'small 1.2': { smallPeople: { below: 5, ratio: 1.2 } },
  'spread 1.2': { localSpread: spread(5, 1.2) },
  'spread 1.25': { localSpread: spread(5, 1.25) },
  'spread 1.3': { localSpread: spread(5, 1.3) },
  'spread 1.35': { localSpread: spread(5, 1.35) },
  'spread 1.3 from 8': { localSpread: spread(8, 1.3) },
  'spread 1.4 trim': { localSpread: spread(5, 1.4, true) },
  'spread 1.6 trim': { localSpread: spread(5, 1.6, true) },
  'small 1.1 + spread 1.3': { smallPeople: { below: 5, ratio: 1.1 }, localSpread: spread(5, 1.3) },
  'small 1.2 + spread 1.3': { smallPeople: { below: 5, ratio: 1.2 }, localSpread: spread(5, 1.3) },
  'small 1.1 + spread 1.35': { smallPeople: { below: 5, ratio: 1.1 }, localSpread: spread(5, 1.35) },
  'small 1.2 + spread 1.35': { smallPeople: { below: 5, ratio: 1.2 }, localSpread: spread(5, 1.35) },
  'iso 1.0': { isolatedGroups: { threshold: 0.55, ratio: 1.0 } },
  'iso 1.02': { isolatedGroups: { threshold: 0.55, ratio: 1.02 } },
  'iso 1.0 + spread 1.35': { isolatedGroups: { threshold: 0.55, ratio: 1.0 }, localSpread: spread(5, 1.35) },
  'iso 1.0 + spread 1.5': { isolatedGroups: { threshold: 0.55, ratio: 1.0 }, localSpread: spread(5, 1.5) },
  'iso 1.0 + spread 1.5 from 8': {
    isolatedGroups: { threshold: 0.55, ratio: 1.0 },
    localSpread: spread(8, 1.5),
  },
  'iso 1.0 + attach 0.55': { isolatedGroups: { threshold: 0.55, ratio: 1.0 }, attachThreshold: 0.55 },
  'iso 1.0 + ratio 0.88': {
    isolatedGroups: { threshold: 0.55, ratio: 1.0 },
    ratioTest: { rank: 4, ratio: 0.88 },
  },
  'iso 1.0 + rank 3': { isolatedGroups: { threshold: 0.55, ratio: 1.0 }, ratioTest: { rank: 3, ratio: 0.9 } },
  'crowd 2': { isolatedGroups: { threshold: 0.55, ratio: 1.08, crowd: 2 } },
  'crowd 3': { isolatedGroups: { threshold: 0.55, ratio: 1.08, crowd: 3 } },
  'crowd 4': { isolatedGroups: { threshold: 0.55, ratio: 1.08, crowd: 4 } },
  'crowd 3 + spread 1.35': {
    isolatedGroups: { threshold: 0.55, ratio: 1.08, crowd: 3 },
    localSpread: spread(5, 1.35),
  },
  'crowd 3 + spread 1.6': {
    isolatedGroups: { threshold: 0.55, ratio: 1.08, crowd: 3 },
    localSpread: spread(5, 1.6),
  },
};
