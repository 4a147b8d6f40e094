import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config, Human as HumanInstance } from '@vladmandic/human';
import { installFileUrlFetch } from './file-url-fetch';
import { FACERES_MODEL_FILE } from './onnx/faceres-graph';
import { humanModelDir } from './onnx/onnx-nets';

type HumanModule = typeof import('@vladmandic/human');
type FaceApiModule = typeof import('@vladmandic/face-api');

const require = createRequire(import.meta.url);

type GraphModel = Awaited<ReturnType<HumanInstance['tf']['loadGraphModel']>>;

/** Human + face-api loaded on ONE shared tfjs-wasm engine (npm dedupes tfjs-core 4.22.0 for both). */
export interface FaceModels {
  human: HumanInstance;
  faceapi: FaceApiModule;
  tf: HumanInstance['tf'];
  /** Human's faceres graph model on tfjs-wasm, when asked for (the second embedding without onnxruntime). */
  faceres: GraphModel | null;
}

/**
 * Human's exports map lists "dist/human.node-wasm.js" without "./", so the subpath is not importable, and the bare
 * specifier loads the tfjs-node build (not installable here). Resolve the package main and require the sibling file.
 */
function loadHumanModule(): { mod: HumanModule; modelsDir: string } {
  const distDir = path.dirname(require.resolve('@vladmandic/human'));
  const mod = require(path.join(distDir, 'human.node-wasm.js')) as HumanModule;
  return { mod, modelsDir: humanModelDir() };
}

/** Still-photo settings: Human's defaults are tuned for video (1 face, result caching, body/hand on). */
function humanConfig(modelsDir: string, wasmDir: string, faceCrops: boolean): Partial<Config> {
  return {
    backend: 'wasm',
    wasmPath: wasmDir + path.sep,
    modelBasePath: `${pathToFileURL(modelsDir).href}/`,
    debug: false,
    async: false,
    warmup: 'none',
    cacheSensitivity: 0,
    skipAllowed: false,
    filter: { enabled: false } as Config['filter'],
    gesture: { enabled: false },
    body: { enabled: false } as Config['body'],
    hand: { enabled: false } as Config['hand'],
    object: { enabled: false } as Config['object'],
    segmentation: { enabled: false } as Config['segmentation'],
    face: {
      enabled: true,
      detector: {
        modelPath: 'blazeface.json',
        rotation: true,
        maxDetected: 20,
        skipFrames: 0,
        skipTime: 0,
        minConfidence: 0.5,
        minSize: 0,
        iouThreshold: 0.1,
        scale: 1.4,
        mask: false,
        // Each face's rotation-corrected 192×192 crop (the one emotion and faceres read), for the second embedding.
        // The caller owns (and must dispose) these tensors.
        return: faceCrops,
      },
      mesh: { enabled: true, modelPath: 'facemesh.json', keepInvalid: false },
      attention: { enabled: false },
      iris: { enabled: false },
      // 64×64 grey net on Human's own face crop: the local `emotion` attribute (face-attribute-reader.ts).
      emotion: { enabled: true, modelPath: 'emotion.json', minConfidence: 0 },
      // faceres (224×224 MobileNet) took ~75 % of detect time on tfjs-wasm; the engine runs it itself on the
      // returned face crops (on onnxruntime when it loads) for the second embedding, and reads age/gender from
      // face-api's small ageGenderNet instead.
      description: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      gear: { enabled: false },
    } as unknown as Config['face'],
  };
}

export interface LoadOptions {
  /** Also load face-api's faceLandmark68Net (only the 'dlib-landmark68' descriptor alignment uses it). */
  landmarks68?: boolean;
  /** Human returns each face's crop as `FaceResult.tensor` (detector.return); the caller disposes them. */
  faceCrops?: boolean;
  /** Also load Human's faceres graph model on tfjs (FaceModels.faceres). */
  faceresTfjs?: boolean;
}

export async function loadFaceModels(opts: LoadOptions = {}): Promise<FaceModels> {
  installFileUrlFetch();
  const { mod, modelsDir } = loadHumanModule();
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  const human = new mod.Human(humanConfig(modelsDir, wasmDir, opts.faceCrops ?? false));
  await human.load();
  // Human sets the wasm backend up during load(); face-api requires the same tfjs-core and reuses it.
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApiModule;
  const faceApiModels = path.join(
    path.dirname(require.resolve('@vladmandic/face-api/package.json')),
    'model',
  );
  await faceapi.nets.faceRecognitionNet.loadFromDisk(faceApiModels);
  await faceapi.nets.ageGenderNet.loadFromDisk(faceApiModels);
  if (opts.landmarks68) await faceapi.nets.faceLandmark68Net.loadFromDisk(faceApiModels);
  const faceres = opts.faceresTfjs
    ? await human.tf.loadGraphModel(`${pathToFileURL(path.join(modelsDir, FACERES_MODEL_FILE)).href}`)
    : null;
  return { human, faceapi, tf: human.tf, faceres };
}
