/**
 * Calibrates POST /people/search's match threshold (src/local/search/face-search.ts): the distance from a
 * face to a person's centroid (mean identity embedding) under which the face is "probably them".
 *
 *   tsx bench/search-calibration.ts [--identities 80] [--per 5]
 *
 * Takes faces-dev identities with ≥ 4 photos; each photo in turn is the query and its identity's other photos
 * form the person (leave one out), every other identity is a wrong person. Prints the distance quantiles and,
 * per threshold, how many queries find their own person (TAR) and how many query–wrong-person pairs pass (FAR).
 */
import path from 'node:path';
import { DEFAULT_DETECT_MAX_SIDE } from '../src/local/engine/create-face-engine';
import { FaceAnalyzer } from '../src/local/engine/face-analyzer';
import { readManifest } from './dev-manifest';

const DEV = path.resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const identities = arg('--identities', 80);
const per = arg('--per', 5);

const byPerson = new Map<string, string[]>();
for (const r of readManifest(DEV)) {
  if (!r.person || r.person.includes('|') || r.path.startsWith('_')) continue;
  const list = byPerson.get(r.person) ?? [];
  list.push(r.path);
  byPerson.set(r.person, list);
}
const chosen = [...byPerson]
  .filter(([, paths]) => paths.length >= 4)
  .sort(([a], [b]) => (a < b ? -1 : 1))
  .filter((_, i, all) => i % Math.max(1, Math.floor(all.length / identities)) === 0)
  .slice(0, identities)
  .map(([person, paths]) => ({ person, paths: paths.slice(0, per) }));

const analyzer = await FaceAnalyzer.create({ maxPixels: 100e6, detectMaxSide: DEFAULT_DETECT_MAX_SIDE });
const embeddings = new Map<string, Float32Array[]>();
for (const { person, paths } of chosen) {
  const list: Float32Array[] = [];
  for (const rel of paths) {
    const r = await analyzer.analyze({ path: path.join(DEV, rel) });
    // The labelled LFW face is the one nearest the centre.
    const face = r.photo.faces
      .map((f) => ({
        f,
        d: Math.hypot(f.box.left + f.box.width / 2 - 125, f.box.top + f.box.height / 2 - 125),
      }))
      .sort((a, b) => a.d - b.d)[0];
    if (face && face.d < 40) list.push(face.f.embedding);
  }
  if (list.length >= 3) embeddings.set(person, list);
}

const mean = (vs: Float32Array[]) => {
  const m = new Float64Array(vs[0]!.length);
  for (const v of vs) for (let i = 0; i < v.length; i++) m[i]! += v[i]! / vs.length;
  return m;
};
const dist = (a: Float32Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
};
const centroids = new Map([...embeddings].map(([p, vs]) => [p, mean(vs)]));
const same: number[] = [];
const different: number[] = [];
for (const [person, vs] of embeddings) {
  vs.forEach((v, i) => {
    same.push(dist(v, mean(vs.filter((_, j) => j !== i))));
    for (const [other, c] of centroids) if (other !== person) different.push(dist(v, c));
  });
}
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!;
console.log(
  `identities ${embeddings.size}, queries ${same.length}, wrong pairs ${different.length}; same p50/p90/p99 ${[0.5, 0.9, 0.99].map((p) => q(same, p).toFixed(3)).join('/')}; different p0.1/p1/p5 ${[0.001, 0.01, 0.05].map((p) => q(different, p).toFixed(3)).join('/')}`,
);
for (let t = 0.36; t <= 0.561; t += 0.02) {
  const tar = same.filter((d) => d <= t).length / same.length;
  const far = different.filter((d) => d <= t).length / different.length;
  console.log(`threshold ${t.toFixed(2)}: TAR ${(100 * tar).toFixed(1)} %, FAR ${(100 * far).toFixed(3)} %`);
}
