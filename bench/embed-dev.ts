/**
 * Stop-gap until the local CLI exists: embeds a (seeded) subset of faces-dev with face-api alone
 * (SSD detector + 128-d recognition net) and caches it in .bench/ in the CLI's export JSON format,
 * so bench/quality.ts can tune the clusterer meanwhile. Not the production engine (that is hybrid A).
 *
 *   npx tsx bench/embed-dev.ts [--limit 1500] [--out .bench/faces-dev-faceapi.json]
 */
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { pickSubset, readManifest } from './dev-manifest';

const require = createRequire(import.meta.url);
const DATASET = path.resolve('../shared/datasets/faces-dev');

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

async function main(): Promise<void> {
  const limit = Number(arg('limit', '1500'));
  const out = arg('out', '.bench/faces-dev-faceapi.json');
  const rows = readManifest(DATASET);
  const subset = pickSubset(rows, limit, 20250601);

  const wasm = require('@tensorflow/tfjs-backend-wasm');
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  await faceapi.tf.setBackend('wasm');
  await faceapi.tf.ready();
  const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  const opts = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 20 });

  const photos: unknown[] = [];
  const t0 = Date.now();
  for (const [i, row] of subset.entries()) {
    const img = sharp(readFileSync(path.join(DATASET, row.path))).rotate().resize({ width: 1600, height: 1600, fit: 'inside', withoutEnlargement: true }).removeAlpha();
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    const tensor = faceapi.tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
    const dets = await faceapi.detectAllFaces(tensor, opts).withFaceLandmarks().withFaceDescriptors();
    tensor.dispose();
    photos.push({
      path: row.path,
      width: info.width,
      height: info.height,
      faces: dets.map((d: { detection: { box: { x: number; y: number; width: number; height: number }; score: number }; descriptor: Float32Array }) => ({
        box: { left: d.detection.box.x, top: d.detection.box.y, width: d.detection.box.width, height: d.detection.box.height },
        personId: null,
        quality: d.detection.score,
        // Stand-in for the engine's clusterable rule: LFW faces are ~100 px; small faces only join.
        clusterable: d.detection.box.width > 60 && d.detection.score > 0.8,
        embedding: Array.from(d.descriptor, (v) => Math.round(v * 1e6) / 1e6),
      })),
    });
    if ((i + 1) % 100 === 0) console.log(`${i + 1}/${subset.length} ${((Date.now() - t0) / (i + 1)).toFixed(0)} ms/img`);
  }
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ people: [], photos }));
  console.log(`wrote ${out}: ${photos.length} photos in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
