/**
 * Writes the basis the album projects faceres onto (src/local/cluster/faceres-basis.bin): the top principal
 * components of the second vectors of every faces-dev face in an analyses.db whose engine made them.
 * Unsupervised (no label is read); bench:quality --folds --fuse w,s,k scores the same fit per fold, made on
 * the other folds only.
 *
 *   npm run bench:second-basis -- [--analyses .bench/analyses.db] [--k 128] [--out src/local/cluster/faceres-basis.bin]
 */
import { writeSecondBasis } from '../src/local/cluster/second-basis';
import { fitSecondBasis } from './second-basis-fit';
import { readSecondVectors } from './second-embedding';

const flags = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  flags.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const analyses = flags.get('analyses') ?? '.bench/analyses.db';
const k = Number(flags.get('k') ?? 128);
const out = flags.get('out') ?? 'src/local/cluster/faceres-basis.bin';

const vectors = [...readSecondVectors(analyses)]
  .filter(([key]) => key.startsWith('faces-dev/'))
  .map(([, v]) => v);
const t0 = performance.now();
const basis = fitSecondBasis(vectors, k);
writeSecondBasis(out, basis);
console.log(
  `${out}: ${k} components of ${basis.dim}-d second vectors, fitted on ${vectors.length} faces-dev faces in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
