/**
 * Entry point of one engine worker process (forked by worker-pool.ts). Loads the models once, then analyses one
 * photo at a time: tfjs-wasm is single-threaded, so one process per core is how all cores get used.
 */
import sharp from 'sharp';
import { FaceAnalyzer } from './face-analyzer';
import { ImageRejectedError } from './face-engine';
import {
  type ParentMessage,
  WORKER_SETTINGS_ENV,
  type WorkerMessage,
  type WorkerSettings,
} from './worker-protocol';

function send(msg: WorkerMessage): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  // libvips threads would compete with the single-threaded inference of this and the sibling workers.
  sharp.concurrency(1);
  sharp.cache(false);
  const settings = JSON.parse(process.env[WORKER_SETTINGS_ENV] ?? '{}') as WorkerSettings;
  const t0 = performance.now();
  let analyzer: FaceAnalyzer;
  try {
    analyzer = await FaceAnalyzer.create(settings);
  } catch (err) {
    send({ type: 'fatal', message: (err as Error).stack ?? String(err) });
    process.exit(1);
  }
  // Jobs arrive one at a time (the pool never sends a second before the first answers), but chain them anyway.
  let chain = Promise.resolve();
  process.on('message', (msg: ParentMessage) => {
    if (msg.type === 'exit') {
      // disconnect() lets the last result message flush first; the 'disconnect' handler then exits.
      void chain.finally(() => process.disconnect());
      return;
    }
    chain = chain.then(async () => {
      try {
        const { photo, timings } = await analyzer.analyze(msg.input);
        send({ type: 'result', id: msg.id, photo, timings, rss: process.memoryUsage.rss() });
      } catch (err) {
        if (err instanceof ImageRejectedError) {
          send({
            type: 'rejected',
            id: msg.id,
            reason: err.reason,
            message: err.message,
            rss: process.memoryUsage.rss(),
          });
        } else {
          send({
            type: 'failed',
            id: msg.id,
            message: (err as Error).message ?? String(err),
            rss: process.memoryUsage.rss(),
          });
        }
      }
    });
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', loadMs: performance.now() - t0, recognition: analyzer.recognition });
}

void main();
