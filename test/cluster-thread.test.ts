/**
 * Clustering in a worker thread (ClusterThread): the real thread, the real PersonClusterer and the real
 * SQLite stores (SyntheticAlbum). The main thread keeps its event loop while a pass runs; what users and
 * the indexer write during a pass is never undone by its result.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterThread } from '../src/local/cluster/cluster-thread';
import { captureLogs } from './support/log-capture';
import { SyntheticAlbum } from './support/synthetic-album';
import { SYNTHETIC_THRESHOLDS, TightGroups } from './support/synthetic-faces';

const groups = new TightGroups(23, 0.01);
const logs = captureLogs();
let open: { album: SyntheticAlbum; thread: ClusterThread }[] = [];

function threadedAlbum(): { album: SyntheticAlbum; thread: ClusterThread } {
  const thread = new ClusterThread(logs.log);
  const album = new SyntheticAlbum(SYNTHETIC_THRESHOLDS, (dbFile) =>
    thread.clusterer('album', dbFile, { clusterer: SYNTHETIC_THRESHOLDS }),
  );
  open.push({ album, thread });
  return { album, thread };
}

/** `people` identities with `photos` one-face photos each: enough faces for a pass of a second or so. */
function fill(album: SyntheticAlbum, people: number, photos: number, from = 0): void {
  album.db.transaction(() => {
    for (let p = from; p < from + people; p++)
      for (let i = 0; i < photos; i++) album.addPhoto(`p${p}/${i}.jpg`, `h${p}-${i}`, [groups.face(p)]);
  })();
}

const run = (album: SyntheticAlbum, full = false) =>
  album.backend.runClustering({ deadline: Date.now() + 120_000, log: logs.log, full });

/**
 * Runs `during` while a pass runs in the thread, after the thread has read the store (a few ms at this
 * size; the pass itself takes a second or more).
 */
async function whilePassRuns(
  album: SyntheticAlbum,
  thread: ClusterThread,
  full: boolean,
  during: () => void | Promise<void>,
) {
  let settled = false;
  const pass = run(album, full).finally(() => {
    settled = true;
  });
  const inThread = () => (thread as unknown as { pass: unknown }).pass !== null;
  const t0 = Date.now();
  while (!inThread() && !settled && Date.now() - t0 < 60_000) await sleep(1);
  await sleep(250);
  expect(settled, 'the pass ended before the test could act during it').toBe(false);
  await during();
  expect(settled, 'the pass ended before the edit: the test proves nothing').toBe(false);
  return pass;
}

afterEach(async () => {
  for (const { album, thread } of open) {
    await thread.close();
    album.close();
  }
  open = [];
  logs.clear();
});

describe('clustering in a worker thread', () => {
  it('keeps the main event loop ticking during a full pass', async () => {
    const { album } = threadedAlbum();
    fill(album, 800, 8);
    // First pass: founds every person. Its write (one row per face, on the main thread) is not measured.
    expect((await run(album)).outcome).toBe('succeeded');
    const delay = monitorEventLoopDelay({ resolution: 5 });
    const started = performance.now();
    delay.enable();
    await sleep(20); // its first tick only sets the baseline
    const result = await run(album, true);
    const passMs = performance.now() - started;
    await sleep(50); // the histogram records a stall when its timer next fires
    delay.disable();
    expect(result.outcome).toBe('succeeded');
    expect(album.people.counts().people).toBeGreaterThan(700);
    expect(result.task?.status).toBe('succeeded');
    const maxDelayMs = delay.max / 1e6;
    // On the main thread the loop stalls for the whole pass; in the thread only for a store read.
    expect(passMs).toBeGreaterThan(400);
    expect(maxDelayMs).toBeLessThan(passMs / 4);
  });

  it('never applies a pass over a user edit made while it ran: the pass runs again on the edited store', async () => {
    const { album, thread } = threadedAlbum();
    fill(album, 600, 8);
    expect((await run(album)).outcome).toBe('succeeded');
    const personOf = (p: number) => album.personOf(album.faceIdsOf(`p${p}/0.jpg`)[0]!)!;
    // A new photo of identity 5: the pass would put it on 5's person; the user says it is 7's meanwhile.
    const [face] = album.addPhoto('new/5.jpg', 'h-new-5', [groups.face(5)]);
    const result = await whilePassRuns(album, thread, true, () =>
      album.backend.assignFace(String(face), personOf(7)),
    );
    expect(result.outcome).toBe('succeeded');
    expect(album.personOf(face!)).toBe(personOf(7));
    expect(logs.events('clustering.edited_meanwhile')).toHaveLength(1);
    // The store holds the edit and the pass's work: every other face of identity 5 is on one person.
    expect(new Set(album.faceIdsOf('p5/3.jpg').map((id) => album.personOf(id)))).toEqual(
      new Set([personOf(5)]),
    );
  });

  it('drops what a pass assigned to faces deleted while it ran, with no error and no empty person', async () => {
    const { album, thread } = threadedAlbum();
    fill(album, 600, 8);
    expect((await run(album)).outcome).toBe('succeeded');
    const before = album.people.counts().people;
    // A new identity of 4 photos: the pass founds a person for it, but its photos go away meanwhile.
    fill(album, 1, 4, 900);
    const result = await whilePassRuns(album, thread, true, () => {
      for (let i = 0; i < 4; i++) album.photos.removePath(`p900/${i}.jpg`);
      album.photos.removePath('p3/0.jpg');
    });
    expect(result.outcome).toBe('succeeded');
    const empty = () =>
      (
        album.db
          .prepare('SELECT count(*) AS n FROM people WHERE face_count = 0 AND merged_into IS NULL')
          .get() as { n: number }
      ).n;
    expect(empty()).toBe(0);
    expect(album.people.counts().people).toBe(before);
    // The next pass (its session kept what it saw) finds the deleted faces gone: no error either.
    expect((await run(album)).outcome).toBe('succeeded');
    expect(empty()).toBe(0);
  });

  it('fails a pass loudly when its thread dies, and the next pass starts a new thread', async () => {
    const { album, thread } = threadedAlbum();
    fill(album, 400, 8);
    const result = await whilePassRuns(album, thread, true, async () => {
      await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    });
    expect(result.outcome).toBe('failed');
    expect(result.task?.status).toBe('failed');
    expect(result.reason).toMatch(/clustering thread exited/);
    expect(logs.events('clustering.error')).toHaveLength(1);
    const again = await run(album, true);
    expect(again.outcome).toBe('succeeded');
    expect(album.people.counts().people).toBeGreaterThan(350);
  });

  it('runs the passes of several albums on one thread, one at a time, each with its own session', async () => {
    const { album: a, thread } = threadedAlbum();
    const b = new SyntheticAlbum(SYNTHETIC_THRESHOLDS, (dbFile) =>
      thread.clusterer('b', dbFile, { clusterer: SYNTHETIC_THRESHOLDS }),
    );
    open.push({ album: b, thread });
    fill(a, 50, 5);
    fill(b, 30, 5, 100);
    const [ra, rb] = await Promise.all([run(a), run(b)]);
    expect([ra.outcome, rb.outcome]).toEqual(['succeeded', 'succeeded']);
    expect(a.people.counts().people).toBe(50);
    expect(b.people.counts().people).toBe(30);
    await thread.close();
    expect((await run(a, true)).reason).toMatch(/clustering thread is closed/);
  });
});
