/** faces-dev ground truth (MANIFEST.csv) and a seeded, identity-preserving subset for quick tuning runs. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { mulberry32 } from '../test/support/synthetic-faces';

export interface ManifestRow {
  path: string;
  /** One identity, `A|B` for two named people, '' for unlabelled/negatives. */
  person: string;
  notes: string;
}

export function readManifest(datasetDir: string): ManifestRow[] {
  const lines = readFileSync(path.join(datasetDir, 'MANIFEST.csv'), 'utf8').split(/\r?\n/).slice(1);
  const rows: ManifestRow[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    const m = /^([^,]*),([^,]*),(.*)$/.exec(line);
    if (!m) continue;
    rows.push({ path: m[1]!, person: m[2]!, notes: m[3]!.replace(/^"|"$/g, '') });
  }
  return rows;
}

/**
 * Whole identities in seeded random order until `limit` images (so distractors stay distractors);
 * each identity capped at 60 images so George_W_Bush does not eat the budget. `_hard` is always in.
 */
export function pickSubset(rows: ManifestRow[], limit: number, seed: number): ManifestRow[] {
  if (limit >= rows.length) return rows;
  const byFolder = new Map<string, ManifestRow[]>();
  for (const r of rows) {
    const folder = r.path.split('/')[0]!;
    const list = byFolder.get(folder) ?? [];
    list.push(r);
    byFolder.set(folder, list);
  }
  const folders = [...byFolder.keys()].sort();
  const rnd = mulberry32(seed);
  for (let i = folders.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [folders[i], folders[j]] = [folders[j]!, folders[i]!];
  }
  const out: ManifestRow[] = [...(byFolder.get('_hard') ?? [])];
  for (const f of folders) {
    if (f.startsWith('_')) continue;
    if (out.length >= limit) break;
    out.push(...byFolder.get(f)!.slice(0, 60));
  }
  return out;
}
