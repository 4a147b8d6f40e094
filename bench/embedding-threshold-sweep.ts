/**
 * Which clusterer thresholds suit an export's distance distribution (a suggestion tool for retuning after an engine
 * change; the clusterer's defaults live in src/local/cluster and are not changed here).
 *
 *   npx tsx bench/embedding-threshold-sweep.ts --export .bench/cli-full-aligned.json [--thresholds 0.49,0.52,0.55]
 *          [--join-offset 0.04] [--hub-min 0.5]
 *
 * For each threshold t: PersonClusterer with threshold = attachThreshold = t, joinThreshold = t − join-offset, with
 * the hub gate off and with it gated on this export's mean descriptor at each --hub-min. Prints BCubed P/R/F after incremental and recluster
 * (bench/quality-score.ts scoring, faces-dev ground truth).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readManifest } from './dev-manifest';
import { buildTruth, type ExportFile, ourClusterer, score } from './quality-score';

const DATASET = path.resolve(import.meta.dirname, '../../shared/datasets/faces-dev');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const exportPath = arg('export', '.bench/cli-full-aligned.json');
const thresholds = arg('thresholds', '0.49,0.51,0.53,0.55,0.57').split(',').map(Number);
const joinOffset = Number(arg('join-offset', '0.04'));
const hubMins = arg('hub-min', '0.5').split(',').map(Number);

const data = JSON.parse(readFileSync(exportPath, 'utf8')) as ExportFile;
const truth = buildTruth(data.photos, readManifest(DATASET));
const embs = truth.faces.map((f) => f.embedding).filter((e): e is Float32Array => e !== null);
const dim = embs[0]!.length;
const mean = new Float32Array(dim);
for (const e of embs) for (let k = 0; k < dim; k++) mean[k]! += e[k]! / embs.length;
const distToMean = embs
  .map((e) => Math.sqrt(e.reduce((s, v, k) => s + (v - mean[k]!) ** 2, 0)))
  .sort((a, b) => a - b);
const pct = (q: number) => distToMean[Math.floor(q * (distToMean.length - 1))]!.toFixed(3);
console.log(
  `# ${exportPath}: ${embs.length} faces; distance to this export's mean p1/p5/p50 = ${pct(0.01)}/${pct(0.05)}/${pct(0.5)}`,
);

const gates: [string, { mean: Float32Array; minDistance: number } | null][] = [['off', null]];
for (const m of hubMins) gates.push([`export-mean@${m}`, { mean, minDistance: m }]);
for (const [gateName, hubGate] of gates) {
  for (const t of thresholds) {
    const opts = { threshold: t, attachThreshold: t, joinThreshold: +(t - joinOffset).toFixed(3), hubGate };
    const ours = ourClusterer(truth, opts);
    const inc = score(truth, ours.incremental);
    const rec = score(truth, ours.reclustered);
    console.log(
      JSON.stringify({
        hubGate: gateName,
        threshold: t,
        joinThreshold: opts.joinThreshold,
        incremental: { P: inc.bcubedP, R: inc.bcubedR, F: inc.bcubedF, persons: inc.persons },
        recluster: {
          P: rec.bcubedP,
          R: rec.bcubedR,
          F: rec.bcubedF,
          persons: rec.persons,
          distractorWrong: rec.distractorWrongShare,
        },
      }),
    );
  }
}
