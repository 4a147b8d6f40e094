/**
 * Human's 1024-d `faceres` vector for every face of a bench analyses.db (the album.db of a run over faces-dev
 * and faces-strangers), for bench:quality --folds --second (bench/second-embedding.ts). Each photo goes
 * through Human (the engine's detector settings, plus `description`); a stored face takes the vector of the
 * Human face whose box overlaps it most (the engine's box is a tighter crop of the same detection: IoU ~0.5).
 *
 *   npm run bench:second-vectors -- [--analyses .bench/analyses.db] [--out .bench/second.db] [--shard i/n]
 *
 *   npm run bench:second-vectors -- --cost 60       only time Human with and without faceres on 60 photos
 *
 * ~0.23 s a photo per process on a busy 2-core machine: run two shards (0/2 and 1/2) side by side into the
 * same --out (SQLite WAL); a rerun skips photos already done.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { loadFaceModels } from '../src/local/engine/face-models';
import { DATASETS } from './quality-folds';

const flags = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  flags.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const analyses = flags.get('analyses') ?? '.bench/analyses.db';
const outFile = flags.get('out') ?? '.bench/second.db';
const [shard, shards] = (flags.get('shard') ?? '0/1').split('/').map(Number) as [number, number];
if (!(Number.isInteger(shard) && Number.isInteger(shards) && shard >= 0 && shard < shards))
  throw new Error(`--shard takes i/n with 0 ≤ i < n, not ${flags.get('shard')}`);

type Box = [number, number, number, number];
const iou = (a: Box, b: Box): number => {
  const w = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  return (w * h) / (a[2] * a[3] + b[2] * b[3] - w * h);
};

const src = new Database(analyses, { readonly: true, fileMustExist: true });
const out = new Database(outFile);
out.pragma('journal_mode = WAL');
out.pragma('busy_timeout = 10000');
out.exec(
  'CREATE TABLE IF NOT EXISTS second (path TEXT NOT NULL, idx INTEGER NOT NULL, iou REAL, embedding BLOB, PRIMARY KEY (path, idx))',
);
const done = new Set(
  (out.prepare('SELECT DISTINCT path FROM second').all() as { path: string }[]).map((r) => r.path),
);
const rows = src
  .prepare(
    `SELECT p.path, af.idx, af.box_left l, af.box_top t, af.box_width w, af.box_height h
     FROM photos p JOIN analysis_faces af ON af.hash = p.hash ORDER BY p.path, af.idx`,
  )
  .all() as { path: string; idx: number; l: number; t: number; w: number; h: number }[];
const byPath = new Map<string, typeof rows>();
for (const r of rows) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);
const todo = [...byPath.keys()].filter((p, i) => i % shards === shard && !done.has(p));

const models = await loadFaceModels();
const face = models.human.config.face as unknown as Record<string, unknown>;
const describe = async (on: boolean) => {
  face.description = on
    ? { enabled: true, modelPath: 'faceres.json', minConfidence: 0, skipFrames: 0, skipTime: 0 }
    : { enabled: false };
  await models.human.load();
};
const decode = (p: string) =>
  sharp(path.join(DATASETS, p)).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });

if (flags.has('cost')) {
  // Median detect time a photo without, with and again without faceres (the engine's own Human settings).
  const sample = [...byPath.keys()].slice(0, Number(flags.get('cost')));
  const inputs = await Promise.all(sample.map(decode));
  for (const on of [false, true, false]) {
    await describe(on);
    const ms: number[] = [];
    let faces = 0;
    for (const { data, info } of [...inputs, ...inputs]) {
      const image = models.tf.tensor3d(Float32Array.from(data), [info.height, info.width, 3], 'float32');
      const t0 = performance.now();
      faces += (await models.human.detect(image as never)).face.length;
      ms.push(performance.now() - t0);
      image.dispose();
    }
    ms.sort((a, b) => a - b);
    console.log(
      `faceres ${on ? 'on ' : 'off'}: median ${ms[ms.length >> 1]!.toFixed(1)} ms a photo, ${(faces / ms.length).toFixed(2)} faces a photo`,
    );
  }
  process.exit(0);
}
await describe(true);
const insert = out.prepare('INSERT OR REPLACE INTO second VALUES (?, ?, ?, ?)');
const t0 = performance.now();
for (const [n, p] of todo.entries()) {
  const { data, info } = await decode(p);
  const image = models.tf.tensor3d(Float32Array.from(data), [info.height, info.width, 3], 'float32');
  const result = await models.human.detect(image as never);
  image.dispose();
  out.transaction(() => {
    for (const f of byPath.get(p)!) {
      let best: { embedding?: number[] } | null = null;
      let bestIou = 0;
      for (const hf of result.face) {
        const v = iou([f.l, f.t, f.w, f.h], hf.box as Box);
        if (v > bestIou) [best, bestIou] = [hf, v];
      }
      const e = best?.embedding;
      insert.run(p, f.idx, bestIou, e?.length ? Buffer.from(Float32Array.from(e).buffer) : null);
    }
  })();
  if ((n + 1) % 200 === 0 || n + 1 === todo.length)
    console.log(
      `${n + 1}/${todo.length} photos (shard ${shard}/${shards}), ${((performance.now() - t0) / (n + 1)).toFixed(0)} ms a photo`,
    );
}
