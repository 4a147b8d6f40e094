/**
 * "Who is this?" for a face the album has not indexed: the people whose centroid (mean identity embedding
 * of their faces) lies within SEARCH_THRESHOLD of the face's embedding, closest first.
 *
 * SEARCH_THRESHOLD was calibrated with `tsx bench/search-calibration.ts` on faces-dev (leave one photo out
 * of its identity's centroid, 60 identities, 284 queries; docs/ask-the-album.md has the table): at 0.48 the
 * right person is found for 98.6 % of queries and none of 16,756 query–wrong-person pairs passes (at 0.50:
 * 99.6 % and 4 wrong pairs).
 */
export const SEARCH_THRESHOLD = 0.48;
/** Matches kept per face: more than a handful under the threshold would mean duplicate people. */
export const MAX_MATCHES = 5;

/** 1 at distance 0, 0.5 at the threshold (no match below 0.5 is ever returned). */
export function similarityOf(distance: number): number {
  return Math.round(Math.max(0, 1 - distance / (2 * SEARCH_THRESHOLD)) * 1000) / 1000;
}

export function nearestPeople(
  embedding: Float32Array,
  centroids: Map<string, Float64Array>,
): { personId: string; distance: number }[] {
  const out: { personId: string; distance: number }[] = [];
  for (const [personId, c] of centroids) {
    let d = 0;
    for (let i = 0; i < c.length; i++) d += (c[i]! - embedding[i]!) ** 2;
    d = Math.sqrt(d);
    if (d <= SEARCH_THRESHOLD) out.push({ personId, distance: d });
  }
  return out.sort((a, b) => a.distance - b.distance).slice(0, MAX_MATCHES);
}
