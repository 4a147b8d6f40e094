/**
 * Cross-validation for bench:quality (`--folds k`): faces-dev split into k identity-disjoint folds (SHA-256
 * of the folder name mod k, so with k = 5 fold 1 is the old held-out part), each fold an album of its own,
 * clustered by one full pass (what every pass is under 10,000 faces) of each candidate setting. Two
 * scenarios: `normal` (the fold's photos as they are) and `strangers` (the fold plus every one-off face of
 * ../shared/datasets/faces-strangers, ≥ 2 stranger faces per core face, as real albums have).
 *
 * Embeddings come from the album.db of one run over both datasets (.bench/analyses.db by default; .bench/
 * is gitignored), read directly, so a candidate costs a second or so per fold, not an engine run.
 * A default changes only when its mean improves and its worst fold is no worse.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ClusterFace } from '../src/local/cluster/cluster-types';
import { type ClustererOptions, PersonClusterer } from '../src/local/cluster/person-clusterer';
import { type ManifestRow, readManifest } from './dev-manifest';
import { runAlbum } from './quality-album';
import { buildTruth, type ExportPhoto, type QualityScores, score } from './quality-score';

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

/**
 * Photos and faces (with embeddings and clusterable flags) of an album.db made by a run over both datasets
 * (paths `faces-dev/…`, `faces-strangers/…`), read straight from SQLite: no scan is needed to score folds.
 * Opened read-only, so the album.db of a scan still running can be read too.
 */
export function photosOfAlbumDb(file: string): ExportPhoto[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT p.path, a.width, a.height, f.idx, f.clusterable, af.box_left, af.box_top, af.box_width, af.box_height,
           af.quality, af.embedding
         FROM photos p JOIN analyses a ON a.hash = p.hash
         LEFT JOIN faces f ON f.photo_id = p.id LEFT JOIN analysis_faces af ON af.hash = p.hash AND af.idx = f.idx
         ORDER BY p.path, f.idx`,
      )
      .all() as {
      path: string;
      width: number | null;
      height: number | null;
      idx: number | null;
      clusterable: number | null;
      box_left: number;
      box_top: number;
      box_width: number;
      box_height: number;
      quality: number | null;
      embedding: Buffer | null;
    }[];
    const photos: ExportPhoto[] = [];
    for (const r of rows) {
      let last = photos[photos.length - 1];
      if (last?.path !== r.path) {
        last = { path: r.path, width: r.width, height: r.height, faces: [] };
        photos.push(last);
      }
      if (r.clusterable === null || r.embedding === null) continue;
      const e = r.embedding;
      last.faces.push({
        box: { left: r.box_left, top: r.box_top, width: r.box_width, height: r.box_height },
        personId: null,
        quality: r.quality,
        clusterable: r.clusterable === 1,
        idx: r.idx!,
        embedding: Array.from(new Float32Array(e.buffer.slice(e.byteOffset, e.byteOffset + e.byteLength))),
      });
    }
    return photos;
  } finally {
    db.close();
  }
}

/**
 * Photos of faces-dev and faces-strangers with their faces: from `analyses` when it is the album.db of a
 * run over both (made here once when missing, by one scan; ~30 min of engine time on a busy 2-core machine).
 */
export async function bothDatasetsPhotos(analyses: string): Promise<ExportPhoto[]> {
  if (!existsSync(analyses)) {
    const placements = bothManifests().map((r) => ({ source: r.path, target: r.path }));
    await runAlbum({ dataset: DATASETS, batches: [placements], analyses });
  }
  const photos = photosOfAlbumDb(analyses);
  return photos;
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

/** `vectors`: the photos as the clusterer sees them in a fold (fused vectors; default: as they are). */
export function scoreFolds(
  all: ExportPhoto[],
  manifest: ManifestRow[],
  k: number,
  scenario: Scenario,
  opts: Partial<ClustererOptions>,
  vectors: (fold: number, photos: ExportPhoto[]) => ExportPhoto[] = (_, photos) => photos,
): FoldScore[] {
  return Array.from({ length: k }, (_, fold) => {
    const photos = foldPhotos(all, k, fold, scenario);
    return { fold, scores: score(buildTruth(photos, manifest), fullPass(vectors(fold, photos), opts)) };
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
