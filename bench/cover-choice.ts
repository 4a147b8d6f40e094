/**
 * The automatic cover before and after the cover preference (src/local/store/cover-rank.ts), on faces-dev
 * people: each identity's faces are the person's faces; the cover is the first by the old order (clusterable,
 * quality) and by the new one (clusterable, cover rank). Counts covers with a turned head (|yaw| or |pitch|
 * ≥ 20°), closed eyes and a smile (as the engine reads them), and writes both covers' crops side by side
 * for a look: `tsx bench/cover-choice.ts [--identities 80] [--per 10] [--out /tmp/covers]`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { isClusterable } from '../src/album/clusterable';
import { loadAlbumConfig } from '../src/config/album-config';
import { DEFAULT_DETECT_MAX_SIDE } from '../src/local/engine/create-face-engine';
import { FaceAnalyzer } from '../src/local/engine/face-analyzer';
import { coverRankSql } from '../src/local/store/cover-rank';
import { readManifest } from './dev-manifest';

const DEV = path.resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const identities = Number(arg('--identities', '80'));
const per = Number(arg('--per', '10'));
const out = arg('--out', '/tmp/covers');

const byPerson = new Map<string, string[]>();
for (const r of readManifest(DEV)) {
  if (!r.person || r.person.includes('|') || r.path.startsWith('_')) continue;
  byPerson.set(r.person, [...(byPerson.get(r.person) ?? []), r.path]);
}
const chosen = [...byPerson]
  .filter(([, paths]) => paths.length >= 5)
  .sort(([a], [b]) => (a < b ? -1 : 1))
  .filter((_, i, all) => i % Math.max(1, Math.floor(all.length / identities)) === 0)
  .slice(0, identities);

const rule = loadAlbumConfig({}).clusterable;
const db = new Database(':memory:');
db.exec(`CREATE TABLE a (id INTEGER PRIMARY KEY, person TEXT, path TEXT, box TEXT, clusterable INTEGER, quality REAL,
  yaw REAL, pitch REAL, attributes TEXT)`);
const insert = db.prepare(
  'INSERT INTO a (person, path, box, clusterable, quality, yaw, pitch, attributes) VALUES (?,?,?,?,?,?,?,?)',
);
const analyzer = await FaceAnalyzer.create({ maxPixels: 100e6, detectMaxSide: DEFAULT_DETECT_MAX_SIDE });
for (const [person, paths] of chosen) {
  for (const rel of paths.slice(0, per)) {
    const r = await analyzer.analyze({ path: path.join(DEV, rel) });
    const face = r.photo.faces
      .map((f) => ({
        f,
        d: Math.hypot(f.box.left + f.box.width / 2 - 125, f.box.top + f.box.height / 2 - 125),
      }))
      .sort((x, y) => x.d - y.d)[0];
    if (!face || face.d > 40) continue;
    const f = face.f;
    insert.run(
      person,
      rel,
      JSON.stringify(f.box),
      isClusterable(f, rule) ? 1 : 0,
      f.quality,
      f.headPose.yaw,
      f.headPose.pitch,
      JSON.stringify(f.attributes),
    );
  }
}

type Row = {
  id: number;
  person: string;
  path: string;
  box: string;
  yaw: number;
  pitch: number;
  attributes: string;
};
const cover = (order: string) =>
  db
    .prepare(
      `SELECT * FROM a WHERE id IN (SELECT (SELECT id FROM a x WHERE x.person = p.person ORDER BY ${order} LIMIT 1)
        FROM (SELECT DISTINCT person FROM a) p) ORDER BY person`,
    )
    .all() as Row[];
const before = cover('clusterable DESC, quality DESC, id');
const after = cover(`clusterable DESC, ${coverRankSql('x')} DESC, id`);
const tally = (rows: Row[]) => {
  const turned = rows.filter((r) => Math.abs(r.yaw) >= 20 || Math.abs(r.pitch) >= 20).length;
  const attrs = rows.map((r) => JSON.parse(r.attributes) as Record<string, { value: string }>);
  const closed = attrs.filter((a) => a.eyes?.value === 'closed').length;
  const smiling = attrs.filter((a) => a.emotion?.value === 'happiness').length;
  const meanTurn = rows.reduce((s, r) => s + Math.abs(r.yaw) + Math.abs(r.pitch), 0) / rows.length;
  return `turned ${turned}/${rows.length}, eyes closed ${closed}, smiling ${smiling}, mean |yaw|+|pitch| ${meanTurn.toFixed(1)}°`;
};
console.log(
  `people ${before.length}, faces ${(db.prepare('SELECT COUNT(*) AS n FROM a').get() as { n: number }).n}`,
);
console.log(`before (clusterable, quality):     ${tally(before)}`);
console.log(`after  (clusterable, cover rank):  ${tally(after)}`);
const changed = after.filter((r, i) => r.id !== before[i]!.id).length;
console.log(`covers changed: ${changed}/${after.length}`);

// Crops: before | after, one row per person whose cover changed.
mkdirSync(out, { recursive: true });
const crop = async (r: Row) => {
  const b = JSON.parse(r.box) as { left: number; top: number; width: number; height: number };
  return sharp(path.join(DEV, r.path))
    .extract({ left: Math.max(0, b.left), top: Math.max(0, b.top), width: b.width, height: b.height })
    .resize(120, 120)
    .toBuffer();
};
const pairs = after.map((r, i) => [before[i]!, r] as const).filter(([b, a]) => b.id !== a.id);
for (let start = 0; start < pairs.length; start += 10) {
  const chunk = pairs.slice(start, start + 10);
  const tiles = await Promise.all(
    chunk.flatMap(([b, a], i) => [
      crop(b).then((input) => ({ input, left: 0, top: i * 120 })),
      crop(a).then((input) => ({ input, left: 130, top: i * 120 })),
    ]),
  );
  await sharp({ create: { width: 250, height: chunk.length * 120, channels: 3, background: '#000' } })
    .composite(tiles)
    .png()
    .toFile(path.join(out, `covers-${start / 10}.png`));
}
console.log(`before | after crops of changed covers: ${out}/covers-*.png`);
