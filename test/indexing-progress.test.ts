/**
 * Bug 9: "Waiting to be indexed" read 0 while dozens of photos were being indexed. The change queue
 * counts the batch being delivered until its delivery ends, /stats reads the queue live (not from the
 * read memo, which only moves on a database write), and `start` prints a progress line while it indexes.
 */
import { afterEach, expect, it } from 'vitest';
import { IndexingProgress } from '../src/local/launcher/indexing-progress';
import { ChangeQueue } from '../src/local/watch/change-queue';
import { humanFormat } from '../src/log/human-format';
import { captureLogs } from './support/log-capture';
import { SyntheticAlbum } from './support/synthetic-album';
import { waitFor } from './support/wait-for';

let album: SyntheticAlbum | undefined;
afterEach(() => album?.close());

it('the change queue counts the batch being indexed as queued (and running) until it is delivered', async () => {
  const logs = captureLogs();
  let release = () => {};
  const delivering = new Promise<void>((r) => {
    release = r;
  });
  let started = false;
  const queue = new ChangeQueue({
    log: logs.log,
    batchWindowMs: 1,
    deliver: async () => {
      started = true;
      await delivering;
    },
  });
  for (let i = 0; i < 30; i++) queue.push({ kind: 'created', key: `p/${i}.jpg`, size: 1 });
  await waitFor('the batch to start', async () => started || null);
  expect(queue.countsUnder('')).toEqual({ queued: 30, running: 30 });
  queue.push({ kind: 'created', key: 'q/late.jpg', size: 1 });
  expect(queue.countsUnder('')).toEqual({ queued: 31, running: 30 });
  expect(queue.countsUnder('q/')).toEqual({ queued: 1, running: 0 });
  release();
  await queue.idle();
  expect(queue.countsUnder('')).toEqual({ queued: 0, running: 0 });
});

it('/stats and /changes read the queue live, between two database writes', async () => {
  album = new SyntheticAlbum();
  let queued = 12;
  album.backend.indexing = () => ({ queued, running: 4 });
  expect((await album.backend.stats()).indexing.queued).toBe(12);
  queued = 7; // nothing written to the database meanwhile: a kept answer would still say 12
  expect((await album.backend.stats()).indexing.queued).toBe(7);
  expect((await album.backend.changes()).indexing).toEqual({ queued: 7, running: 4 });
  const before = (await album.backend.changes()).generation;
  album.addPhoto('a.jpg', 'ha', []);
  expect((await album.backend.changes()).generation).not.toBe(before);
});

it('prints indexing progress while changes wait, and nothing once they are done', () => {
  const logs = captureLogs();
  let now = 0;
  let handled = 100;
  let counts = { queued: 40, running: 10 };
  const progress = new IndexingProgress({
    indexing: () => counts,
    handled: () => handled,
    log: logs.log,
    now: () => now,
  });
  progress.tick(); // the burst starts here
  now = 5000;
  handled = 116;
  counts = { queued: 24, running: 10 };
  progress.tick();
  const [line] = logs.events('indexing.progress');
  expect(line).toMatchObject({ done: 16, queued: 24, running: 10, photosPerSecond: 3.2 });
  expect(humanFormat(line as never)).toMatch(/indexing: 16 done, 24 to go, 3\.2 photos\/s$/);
  counts = { queued: 0, running: 0 };
  progress.tick();
  now = 10_000;
  progress.tick();
  expect(logs.events('indexing.progress')).toHaveLength(1);
});
