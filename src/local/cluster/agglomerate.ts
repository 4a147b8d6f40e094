import { CentroidStats } from './centroid-stats';
import { MinHeap } from './min-heap';

/**
 * Constrained average-linkage agglomeration over a sparse candidate graph (the k-NN graph from the HNSW
 * index). Only groups joined by a candidate edge are ever compared, but the comparison itself is exact
 * average linkage (RMS over all member pairs, see CentroidStats), so a single close pair cannot chain
 * two big groups together. Cannot-link: groups sharing a photo, groups pinned to different persons, and a
 * pinned group with a face that rejected that person never merge.
 */
export interface SeedGroup {
  faceIds: number[];
  stats: CentroidStats;
  photoIds: Set<number>;
  pinnedPersonId: string | null;
  rejected: Set<string>;
}

interface Group extends SeedGroup {
  version: number;
  alive: boolean;
  neighbors: Set<number>;
}

interface Candidate {
  a: number;
  b: number;
  va: number;
  vb: number;
}

function canMerge(a: Group, b: Group): boolean {
  if (a.pinnedPersonId && b.pinnedPersonId && a.pinnedPersonId !== b.pinnedPersonId) return false;
  if (a.pinnedPersonId && b.rejected.has(a.pinnedPersonId)) return false;
  if (b.pinnedPersonId && a.rejected.has(b.pinnedPersonId)) return false;
  const [small, big] = a.photoIds.size <= b.photoIds.size ? [a.photoIds, b.photoIds] : [b.photoIds, a.photoIds];
  for (const p of small) if (big.has(p)) return false;
  return true;
}

/**
 * @param seeds initial groups (singletons, or pinned persons' faces)
 * @param edges candidate pairs as seed indices
 * @returns the final groups (seed groups merged), in no particular order
 */
export function agglomerate(seeds: SeedGroup[], edges: Iterable<[number, number]>, threshold: number): SeedGroup[] {
  const groups: Group[] = seeds.map((s) => ({ ...s, version: 0, alive: true, neighbors: new Set<number>() }));
  for (const [a, b] of edges) {
    if (a === b) continue;
    groups[a]!.neighbors.add(b);
    groups[b]!.neighbors.add(a);
  }
  const heap = new MinHeap<Candidate>();
  const consider = (a: number, b: number): void => {
    const ga = groups[a]!;
    const gb = groups[b]!;
    const link = ga.stats.linkTo(gb.stats);
    if (link < threshold) heap.push(link, { a, b, va: ga.version, vb: gb.version });
  };
  for (let a = 0; a < groups.length; a++) {
    for (const b of groups[a]!.neighbors) if (a < b) consider(a, b);
  }
  while (heap.size > 0) {
    const c = heap.pop()!;
    const ga = groups[c.a]!;
    const gb = groups[c.b]!;
    if (!ga.alive || !gb.alive || ga.version !== c.va || gb.version !== c.vb) continue;
    // Photo sets and pins only grow, so a refused pair stays refused: drop the edge for good.
    if (!canMerge(ga, gb)) {
      ga.neighbors.delete(c.b);
      gb.neighbors.delete(c.a);
      continue;
    }
    // Keep the larger group as the survivor so neighbour-set copying stays cheap.
    const [keep, gone, keepIdx, goneIdx] = ga.faceIds.length >= gb.faceIds.length ? [ga, gb, c.a, c.b] : [gb, ga, c.b, c.a];
    for (const f of gone.faceIds) keep.faceIds.push(f);
    keep.stats.absorb(gone.stats);
    for (const p of gone.photoIds) keep.photoIds.add(p);
    for (const r of gone.rejected) keep.rejected.add(r);
    keep.pinnedPersonId ??= gone.pinnedPersonId;
    gone.alive = false;
    keep.version++;
    for (const nb of gone.neighbors) {
      if (nb === keepIdx) continue;
      const g = groups[nb]!;
      g.neighbors.delete(goneIdx);
      g.neighbors.add(keepIdx);
      keep.neighbors.add(nb);
    }
    keep.neighbors.delete(goneIdx);
    gone.neighbors.clear();
    for (const nb of keep.neighbors) {
      if (groups[nb]!.alive) consider(keepIdx, nb);
    }
  }
  return groups.filter((g) => g.alive).map(({ faceIds, stats, photoIds, pinnedPersonId, rejected }) => ({ faceIds, stats, photoIds, pinnedPersonId, rejected }));
}
