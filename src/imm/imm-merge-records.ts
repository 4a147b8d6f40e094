import type { FigureCluster } from './imm-wire';

/**
 * Where a merged-away person went, on IMM: IMM deletes the clusters a merge takes in and keeps no record
 * of them, so the album writes its own on the kept cluster, as reserved CustomLabels (`album.` prefix,
 * never shown as user labels): `album.merged.<merged-away id>` = `true`. QueryFigureClusters filters by
 * one `key=value` label, so an old id is found with one call. A merge copies the records the merged-away
 * clusters held (A into B, then B into C: C holds both A and B).
 *
 * Limits: only merges made through this API are recorded (not ones made in the IMM console); IMM's limit
 * on the number of labels per cluster is not documented (imm-facts), so a person that took in very many
 * merges may hit it and the merge is then refused by IMM's UpdateFigureCluster, before the merge task.
 */
const MERGED_PREFIX = 'album.merged.';

export const mergeRecordFilter = (mergedAwayId: string): string => `${MERGED_PREFIX}${mergedAwayId}=true`;

/** `labels` of the kept cluster with the records of `merged` (their ids and the records they held). */
export function withMergeRecords(
  labels: Record<string, string> | undefined,
  merged: FigureCluster[],
): Record<string, string> {
  const out = { ...labels };
  for (const c of merged) {
    for (const [k, v] of Object.entries(c.CustomLabels ?? {})) if (k.startsWith(MERGED_PREFIX)) out[k] = v;
    out[`${MERGED_PREFIX}${c.ObjectId}`] = 'true';
  }
  return out;
}
