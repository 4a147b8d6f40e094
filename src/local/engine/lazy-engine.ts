import type { Logger } from '../../log/logger';
import type { FaceEngine, FaceEngineOptions } from './face-engine';

async function defaultEngine(opts: FaceEngineOptions): Promise<FaceEngine> {
  const { createFaceEngine } = await import('./create-face-engine');
  return createFaceEngine(opts);
}

/** One face engine (worker pool) per process, started on first use: status/export never load models. */
export interface LazyEngine {
  get(): Promise<FaceEngine>;
  close(): Promise<void>;
}

export function lazyEngine(opts: {
  workers: number;
  log: Logger;
  create?: (opts: FaceEngineOptions) => Promise<FaceEngine>;
}): LazyEngine {
  let engine: Promise<FaceEngine> | null = null;
  return {
    get: () => {
      engine ??= (opts.create ?? defaultEngine)({ workers: opts.workers, log: opts.log }).catch((err) => {
        engine = null;
        throw err;
      });
      return engine;
    },
    close: async () => {
      const running = engine;
      engine = null;
      if (running) await (await running.catch(() => null))?.close();
    },
  };
}
