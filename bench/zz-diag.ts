import { statSync } from 'node:fs';
import { DEFAULT_CLUSTER_OPTIONS } from '../src/local/cluster/person-clusterer';
import { bothDatasetsPhotos, bothManifests, foldOf, foldPhotos, fullPass } from './quality-folds';
import { buildTruth } from './quality-score';
import { foldFusion, parseFusion, readSecondVectors } from './second-embedding';

const K = Number(process.argv[2] ?? 2);
const analyses = '.bench/analyses.db';
const all = await bothDatasetsPhotos(analyses);
const manifest = bothManifests();
const fusion = parseFusion('0.6,0.72,128');
const training = (fold: number) =>
  all.filter((p) => {
    const [s, f] = p.path.split('/');
    return s === 'faces-dev' && foldOf(f!, K) !== fold;
  });
const fz = foldFusion(
  readSecondVectors(analyses),
  fusion,
  training,
  `${analyses}.basis-${Math.round(statSync(analyses).mtimeMs)}-${K}folds`,
);
for (let fold = 0; fold < K; fold++) {
  const photos = foldPhotos(all, K, fold, 'normal');
  const truth = buildTruth(photos, manifest);
  const isCore = (l: string | null) => l !== null && (truth.photosPerIdentity.get(l) ?? 0) >= 3;
  for (const [name, ph, opts] of [
    ['face-api', photos, {}],
    ['fused', fz.forFold(fold, photos), { dim: 256 }],
  ] as const) {
    const asg = fullPass(ph as never, { ...DEFAULT_CLUSTER_OPTIONS, ...opts });
    const members = new Map<string, string[]>();
    truth.faces.forEach((f, i) => {
      const p = asg[i];
      if (p) members.set(p, [...(members.get(p) ?? []), f.label ?? '?']);
    });
    truth.faces.forEach((f, i) => {
      if (f.label === null || isCore(f.label)) return;
      const p = asg[i];
      if (!p) return;
      const m = members.get(p)!;
      const counts = new Map<string, number>();
      for (const l of m) counts.set(l, (counts.get(l) ?? 0) + 1);
      const top = [...counts].sort((a, b) => b[1] - a[1]);
      if (top[0]![0] === f.label) return;
      console.log(
        `fold ${fold} ${name}: stranger ${f.label} (${truth.photosPerIdentity.get(f.label)} ph) in person of ${m.length}: ${top
          .slice(0, 4)
          .map(([l, c]) => `${l}×${c}`)
          .join(', ')}`,
      );
    });
  }
}
