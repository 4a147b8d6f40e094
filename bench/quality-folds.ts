/**
 * Cross-validation for bench:quality (`--folds k`): faces-dev split into k identity-disjoint folds (SHA-256
 * of the folder name mod k, so with k = 5 fold 1 is the old held-out part), each fold an album of its own,
 * clustered by one full pass (what every pass is under 10,000 faces) of each candidate setting. Two
 * scenarios: `normal` (the fold's photos as they are) and `strangers` (the fold plus every one-off face of
 * ../shared/datasets/faces-strangers, ≥ 2 stranger faces per core face, as real albums have).
 *
 * Embeddings come from one album run over both datasets, cached as an export next to the analyses
 * (`<analyses>.export.json`, .bench/ is gitignored), so a candidate costs a second per fold, not an engine run.
 * A default changes only when its mean improves and its worst fold is no worse.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ClusterFace } from '../src/local/cluster/cluster-types';
import { type ClustererOptions, PersonClusterer } from '../src/local/cluster/person-clusterer';
import { type ManifestRow, readManifest } from './dev-manifest';
import { runAlbum } from './quality-album';
import { buildTruth, type ExportFile, type ExportPhoto, type QualityScores, score } from './quality-score';

export const DATASETS = path.resolve('../shared/datasets');
const DEV = 'faces-dev';
const STRANGERS = 'faces-strangers';

export type Scenario = 'normal' | 'strangers';

/** The fold (0..k-1) of a faces-dev folder; `_hard` is hashed like any folder. */
export function foldOf(folder: string, k: number): number {
  return createHash('sha256').update(folder).digest().readUInt32BE(0) % k;
}

/** Both manifests, paths prefixed with their dataset's folder (as the cached export holds them). */
export function bothManifests(): ManifestRow[] {
  const rows: ManifestRow[] = [];
  for (const set of [DEV, STRANGERS])
    for (const r of readManifest(path.join(DATASETS, set))) rows.push({ ...r, path: `${set}/${r.path}` });
  return rows;
}

/** The export of one scan over faces-dev and faces-strangers, made once from `analyses` and cached. */
export async function cachedExport(analyses: string): Promise<ExportFile> {
  const file = `${analyses}.export.json`;
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as ExportFile;
  const placements = bothManifests().map((r) => ({ source: r.path, target: r.path }));
  const run = await runAlbum({ dataset: DATASETS, batches: [placements], analyses });
  writeFileSync(file, JSON.stringify(run.afterBatches));
  return run.afterBatches;
}

/** The photos of fold `fold` in `scenario`. */
export function foldPhotos(all: ExportPhoto[], k: number, fold: number, scenario: Scenario): ExportPhoto[] {
  return all.filter((p) => {
    const [set, folder] = p.path.split('/');
    if (set === STRANGERS) return scenario === 'strangers';
    return set === DEV && foldOf(folder!, k) === fold;
  });
}

/** One full pass of a fresh clusterer over the photos' faces, as a small album's every pass is. */
export function fullPass(photos: ExportPhoto[], opts: Partial<ClustererOptions>): (string | null)[] {
  const c = new PersonClusterer(opts);
  const faces: ClusterFace[] = [];
  const ids: (number | null)[] = [];
  for (const [photoIndex, p] of photos.entries())
    for (const f of p.faces) {
      if (!f.embedding || f.embedding.length === 0) {
        ids.push(null);
        continue;
      }
      const id = faces.length + 1;
      ids.push(id);
      faces.push({
        id,
        photoId: photoIndex + 1,
        embedding: Float32Array.from(f.embedding),
        clusterable: f.clusterable,
        personId: null,
        pinnedPersonId: null,
        rejectedPersonIds: [],
      });
    }
  c.load(faces, []);
  c.recluster();
  return ids.map((id) => (id === null ? null : c.personOf(id)));
}

export interface FoldScore {
  fold: number;
  scores: QualityScores;
}

export function scoreFolds(
  all: ExportPhoto[],
  manifest: ManifestRow[],
  k: number,
  scenario: Scenario,
  opts: Partial<ClustererOptions>,
): FoldScore[] {
  return Array.from({ length: k }, (_, fold) => {
    const photos = foldPhotos(all, k, fold, scenario);
    return { fold, scores: score(buildTruth(photos, manifest), fullPass(photos, opts)) };
  });
}

const strangersPlaced = (s: QualityScores) => Math.round(s.distractorWrongShare * s.distractorFaces);

/** Mean and worst (lowest P / R, highest stranger share and same-photo pairs) over the folds. */
export function summarize(folds: FoldScore[]): {
  mean: { p: number; r: number; strangers: number; samePhoto: number };
  worst: { p: number; r: number; strangers: number; samePhoto: number };
} {
  const s = folds.map((f) => f.scores);
  const avg = (g: (x: QualityScores) => number) => s.reduce((a, x) => a + g(x), 0) / s.length;
  return {
    mean: {
      p: avg((x) => x.bcubedP),
      r: avg((x) => x.bcubedR),
      strangers: avg((x) => x.distractorWrongShare),
      samePhoto: avg((x) => x.sameImageMerges),
    },
    worst: {
      p: Math.min(...s.map((x) => x.bcubedP)),
      r: Math.min(...s.map((x) => x.bcubedR)),
      strangers: Math.max(...s.map((x) => x.distractorWrongShare)),
      samePhoto: Math.max(...s.map((x) => x.sameImageMerges)),
    },
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** A Markdown table: every fold, the mean and the worst fold, for each scenario side by side. */
export function foldTable(name: string, byScenario: [Scenario, FoldScore[]][]): string {
  const head = byScenario.map(([sc]) => `${sc}: P | R | strangers placed | same-photo`).join(' | ');
  const lines = [`| ${name} | ${head} |`, `|---|${byScenario.map(() => '---|---|---|---').join('|')}|`];
  const k = byScenario[0]![1].length;
  for (let fold = 0; fold < k; fold++) {
    const cells = byScenario.map(([, fs]) => {
      const s = fs[fold]!.scores;
      return `${s.bcubedP.toFixed(3)} | ${s.bcubedR.toFixed(3)} | ${pct(s.distractorWrongShare)} (${strangersPlaced(s)} of ${s.distractorFaces}) | ${s.sameImageMerges}`;
    });
    lines.push(
      `| fold ${fold + 1} (${byScenario[0]![1][fold]!.scores.coreFaces} core) | ${cells.join(' | ')} |`,
    );
  }
  for (const which of ['mean', 'worst'] as const) {
    const cells = byScenario.map(([, fs]) => {
      const m = summarize(fs)[which];
      return `${m.p.toFixed(3)} | ${m.r.toFixed(3)} | ${pct(m.strangers)} | ${which === 'mean' ? m.samePhoto.toFixed(1) : m.samePhoto}`;
    });
    lines.push(`| **${which}** | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
