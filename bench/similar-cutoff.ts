/**
 * Calibrates SIMILAR_PEOPLE_MAX_DISTANCE (src/local/local-backend.ts): the centroid distance under which
 * "Possibly the same person" suggests another person.
 *
 * What a suggestion must catch is one identity split into two people. On faces-dev, every identity with
 * ≥ 4 photos is split in two halves (alternate photos), each half a "person" with the centroid (mean
 * identity embedding) the backend computes; same-identity pairs are the two halves of one identity,
 * different-identity pairs are halves of two identities. Printed: quantiles of both, and per cut-off the
 * share of split identities found and the false suggestions a person gets on average (over all the other
 * identities' halves, so it grows with the album: read it per 1,000 people).
 *
 *   npx tsx bench/similar-cutoff.ts --analyses file.db
 *
 * file.db: an album.db whose photos are faces-dev's (paths …/<identity>/<n>.jpg), e.g. the one
 * `npm run bench:quality -- --analyses file.db` writes. In each photo the largest face is the labelled one.
 */
import Database from 'better-sqlite3';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const file = arg('analyses');
if (!file) throw new Error('give --analyses <album.db with faces-dev analysed>');

const db = new Database(file, { readonly: true });
const rows = db
  .prepare(`SELECT p.path, a.box_width * a.box_height AS area, a.embedding FROM photos p
    JOIN analysis_faces a ON a.hash = p.hash`)
  .all() as { path: string; area: number; embedding: Buffer }[];
const byPhoto = new Map<string, { area: number; v: Float32Array }>();
for (const r of rows) {
  const v = new Float32Array(
    r.embedding.buffer.slice(r.embedding.byteOffset, r.embedding.byteOffset + r.embedding.byteLength),
  );
  const cur = byPhoto.get(r.path);
  if (!cur || r.area > cur.area) byPhoto.set(r.path, { area: r.area, v });
}
const byIdentity = new Map<string, Float32Array[]>();
for (const [path, { v }] of [...byPhoto].sort(([a], [b]) => a.localeCompare(b))) {
  const parts = path.split('/');
  const who = parts.at(-2)!;
  if (who.startsWith('_')) continue;
  const list = byIdentity.get(who) ?? [];
  list.push(v);
  byIdentity.set(who, list);
}

const mean = (vs: Float32Array[]) => {
  const out = new Float64Array(vs[0]!.length);
  for (const v of vs) for (let i = 0; i < v.length; i++) out[i]! += v[i]! / vs.length;
  return out;
};
const dist = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
};

const halves: { who: string; c: Float64Array }[] = [];
const same: number[] = [];
for (const [who, vs] of byIdentity) {
  if (vs.length < 4) continue;
  const h1 = mean(vs.filter((_, i) => i % 2 === 0));
  const h2 = mean(vs.filter((_, i) => i % 2 === 1));
  same.push(dist(h1, h2));
  halves.push({ who, c: h1 }, { who, c: h2 });
}
const different: number[] = [];
for (let i = 0; i < halves.length; i++)
  for (let j = i + 1; j < halves.length; j++)
    if (halves[i]!.who !== halves[j]!.who) different.push(dist(halves[i]!.c, halves[j]!.c));
same.sort((a, b) => a - b);
different.sort((a, b) => a - b);
const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(3);

console.log(
  `identities split: ${same.length} (photos ${[...byIdentity.values()].flat().length}); halves: ${halves.length}`,
);
console.log(
  `same identity (split) distance  p50 ${q(same, 0.5)}  p90 ${q(same, 0.9)}  p95 ${q(same, 0.95)}  p99 ${q(same, 0.99)}  max ${q(same, 1)}`,
);
console.log(
  `different identities distance   min ${q(different, 0)}  p0.1 ${q(different, 0.001)}  p1 ${q(different, 0.01)}  p5 ${q(different, 0.05)}  p50 ${q(different, 0.5)}`,
);
console.log('cut-off  split found  false suggestions per person (per 1000 people in the album)');
for (let cut = 0.3; cut <= 0.61; cut += 0.02) {
  const found = same.filter((d) => d < cut).length / same.length;
  const falsePairs = different.filter((d) => d < cut).length;
  // Each pair is a false suggestion for both of its halves; per person, scaled to an album of 1000 people.
  const perPerson = (2 * falsePairs) / halves.length;
  const per1000 = (perPerson * 1000) / halves.length;
  console.log(
    `${cut.toFixed(2)}     ${(found * 100).toFixed(1).padStart(5)} %      ${perPerson.toFixed(3)} (${per1000.toFixed(3)})`,
  );
}
