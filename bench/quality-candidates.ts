/**
 * Candidate clusterer settings scored side by side by `bench:quality --folds k` (bench/quality-folds.ts).
 * Each is a change from the base options (the defaults, or the clusterer flags given on the command line).
 */
import type { ClustererOptions } from '../src/local/cluster/person-clusterer';

export const CANDIDATES: Record<string, Partial<ClustererOptions>> = {
  default: {},
};
