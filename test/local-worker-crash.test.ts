/**
 * The local runtime hands its logger to the face engine it starts, so a worker that crashes is logged
 * (it was silent: the engine got no logger). Real engine, real worker process, killed for real.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalAlbum, openLocalAlbum } from '../src/local/local-runtime';
import { captureLogs } from './support/log-capture';
import { waitFor } from './support/wait-for';

const DEV = resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const work = mkdtempSync(join(tmpdir(), 'fa-crash-'));
const logs = captureLogs();
let album: LocalAlbum | null = null;

afterAll(async () => {
  await album?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('face engine workers under the local runtime', () => {
  it('logs a worker that dies, with its pid and signal', async () => {
    mkdirSync(join(work, 'photos'), { recursive: true });
    copyFileSync(join(DEV, 'Hugo_Chavez/1.jpg'), join(work, 'photos', 'a.jpg'));
    album = openLocalAlbum({
      photosDir: join(work, 'photos'),
      dataDir: join(work, 'data'),
      workers: 1,
      env: {},
      log: logs.log,
    });
    const outcomes = await album.runtime.service!.applyPhotoChanges(
      [{ kind: 'created', bucket: album.bucket, key: 'a.jpg', eventName: 'ObjectCreated:PutObject' }],
      logs.log,
    );
    expect(outcomes).toMatchObject([{ outcome: 'done' }]);
    const [ready] = logs.events('face_engine.worker_ready');
    expect(ready?.pid).toBeGreaterThan(0);
    process.kill(ready!.pid, 'SIGKILL');
    const died = await waitFor('the crash to be logged', () => logs.events('face_engine.worker_died')[0]);
    expect(died).toMatchObject({ level: 'warn', pid: ready!.pid, signal: 'SIGKILL' });
  });
});
