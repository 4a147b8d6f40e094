/**
 * What the "Unknown faces" grouping adds to a clustering pass (PersonClusterer.unknownGroups, run at the end
 * of every pass): an album of `--faces` synthetic faces of which `--unknown` are strangers (1–2 photos
 * each, so no person takes them), loaded and reclustered, then the grouping timed (median of `--runs`).
 *
 *   npx tsx bench/unknown-groups.ts [--faces 100000] [--unknown 20000] [--runs 3]
 */
import type { ClusterFace } from '../src/local/cluster/cluster-types';
import { PersonClusterer } from '../src/local/cluster/person-clusterer';
import { SYNTHETIC_THRESHOLDS, SyntheticIdentities } from '../test/support/synthetic-faces';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : dflt;
}
const total = arg('faces', 100_000);
const unknown = arg('unknown', 20_000);
const runs = arg('runs', 3);

const s = new SyntheticIdentities(7);
const faces: ClusterFace[] = [];
const add = (identity: number) => {
  const id = faces.length + 1;
  faces.push({
    id,
    photoId: id,
    embedding: s.face(identity),
    clusterable: true,
    personId: null,
    pinnedPersonId: null,
    rejectedPersonIds: [],
  });
};
// People with 20–200 photos, then strangers of 1–2 photos each.
while (faces.length < total - unknown) {
  const who = s.newIdentity();
  const n = 20 + Math.floor(s.rnd() * 180);
  for (let i = 0; i < n && faces.length < total - unknown; i++) add(who);
}
while (faces.length < total) {
  const who = s.newIdentity();
  add(who);
  if (s.rnd() < 0.3 && faces.length < total) add(who);
}

const ms = (fn: () => unknown) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
const median = (fn: () => unknown) => {
  const times = Array.from({ length: runs }, () => ms(fn)).sort((a, b) => a - b);
  return `${Math.round(times[Math.floor(runs / 2)]!)} ms (runs: ${times.map((x) => Math.round(x)).join(', ')})`;
};

// A full pass: the grouping reuses its k-NN graph.
const c = new PersonClusterer(SYNTHETIC_THRESHOLDS);
const passMs = ms(() => {
  c.load(faces, []);
  c.recluster();
});
const groups = c.unknownGroups();
const waiting = groups.reduce((n, g) => n + g.length, 0);
console.log(
  `faces ${total}, waiting after the pass ${waiting} in ${groups.length} groups (largest ${Math.max(...groups.map((g) => g.length))})`,
);
console.log(
  `load + full recluster ${(passMs / 1000).toFixed(1)} s; unknownGroups after it: ${median(() => c.unknownGroups())}`,
);

// A clusterer rebuilt from the store (after a user edit) and an incremental pass: the first grouping
// searches every waiting face once, later ones only faces that arrived since.
const stored = faces.map((f) => ({ ...f, personId: c.personOf(f.id) }));
const d = new PersonClusterer(SYNTHETIC_THRESHOLDS);
const loadMs = ms(() => d.load(stored, []));
const firstMs = ms(() => d.unknownGroups());
console.log(
  `rebuilt clusterer: load ${(loadMs / 1000).toFixed(1)} s; first unknownGroups ${Math.round(firstMs)} ms; next: ${median(() => d.unknownGroups())}`,
);
