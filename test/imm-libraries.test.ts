/**
 * LIBRARY_MODE=prefix on IMM, through the deployed handlers and a fake IMM on 127.0.0.1: which dataset
 * each OSS event reaches (read from the IMM requests themselves), what is skipped, and what the timer
 * clusters tick by tick.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeImm, goodFace, startFakeImm } from './fake-imm/fake-imm';
import { captureLogs, fcContext, immEnv, immFunctions, ossEvent, timerEvent } from './fake-imm/fc-events';

const logs = captureLogs();
let fake: FakeImm;

beforeEach(async () => {
  logs.clear();
  fake = await startFakeImm({ project: 'album_p' });
});
afterEach(async () => {
  await fake.close();
});

const prefixEnv = (extra: Record<string, string> = {}) =>
  immEnv(fake.endpoint, { LIBRARY_MODE: 'prefix', CLUSTER_CALLS_PER_SECOND: '0', ...extra });
const datasetOf = (r: { params: Record<string, unknown> | null }) => r.params?.DatasetName;
const files = (dataset: string) => [...fake.state.dataset('album_p', dataset).files.keys()].sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('indexer in prefix mode', () => {
  it("sends each library's photos to its own dataset, made with FaceManagement on its first photo", async () => {
    const { indexer } = immFunctions(logs.log, prefixEnv());
    const res = await indexer(
      ossEvent([
        { key: 'photos/alice/1.jpg' },
        { key: 'photos/bob/2.jpg' },
        { key: 'photos/alice/sub/3.jpg' },
      ]),
      fcContext(),
    );
    expect(res.ok).toBe(true);
    expect(files('album_d-alice')).toEqual([
      'oss://testbucket/photos/alice/1.jpg',
      'oss://testbucket/photos/alice/sub/3.jpg',
    ]);
    expect(files('album_d-bob')).toEqual(['oss://testbucket/photos/bob/2.jpg']);
    const created = fake.requestsFor('CreateDataset').filter((r) => r.status === 200);
    expect(created.map((r) => [r.params?.DatasetName, r.params?.TemplateId]).sort()).toEqual([
      ['album_d-alice', 'Official:FaceManagement'],
      ['album_d-bob', 'Official:FaceManagement'],
    ]);
    // Every successful index call named exactly one library's dataset, holding only that library's photos.
    for (const r of fake.requestsFor('BatchIndexFileMeta').filter((q) => q.status === 200)) {
      const lib = String(datasetOf(r)).replace('album_d-', '');
      for (const f of (r.params?.Files ?? []) as { URI: string }[])
        expect(f.URI.startsWith(`oss://testbucket/photos/${lib}/`)).toBe(true);
    }
    expect(fake.requests.some((r) => datasetOf(r) === 'album_d')).toBe(false);
    // The next photo of a library costs one call: its dataset exists now.
    const before = fake.requests.length;
    await indexer(ossEvent([{ key: 'photos/alice/4.jpg' }]), fcContext());
    expect(fake.requests.slice(before).map((r) => [r.action, datasetOf(r)])).toEqual([
      ['BatchIndexFileMeta', 'album_d-alice'],
    ]);
    expect(logs.events('photo.index').every((l) => typeof l.library === 'string')).toBe(true);
  });

  it('skips stray keys and invalid library folders with a log line, and indexes them nowhere', async () => {
    const { indexer } = immFunctions(logs.log, prefixEnv());
    const bad = [
      'photos/stray.jpg',
      'photos/has space/x.jpg',
      'photos/../x.jpg',
      'photos/-dash/x.jpg',
      `photos/${'a'.repeat(65)}/x.jpg`,
      'photos/a.b/x.jpg',
    ];
    const before = fake.requests.length;
    const res = await indexer(
      ossEvent([...bad.map((key) => ({ key })), { key: 'photos/ok/y.jpg' }]),
      fcContext(),
    );
    expect(res.ok).toBe(true);
    const sent = fake.requests.slice(before).filter((r) => r.status === 200);
    expect(
      sent.flatMap((r) => (r.params?.Files as { URI: string }[] | undefined) ?? []).map((f) => f.URI),
    ).toEqual(['oss://testbucket/photos/ok/y.jpg']);
    expect([...fake.state.datasets.keys()]).toEqual(['album_p/album_d-ok']);
    const skipped = logs.events('photo.skipped');
    expect(skipped.map((l) => l.key).sort()).toEqual([...bad].sort());
    for (const l of skipped) expect(l.reason).toMatch(/library|PHOTO_PREFIX/);
    expect(skipped.find((l) => l.key === 'photos/stray.jpg')!.reason).toMatch(/directly under PHOTO_PREFIX/);
  });

  it('refuses an IMM_DATASET too long for library dataset names (the event is retried, not dropped)', async () => {
    const { indexer } = immFunctions(logs.log, prefixEnv({ IMM_DATASET: `d${'x'.repeat(63)}` }));
    await expect(indexer(ossEvent([{ key: 'photos/a/1.jpg' }]), fcContext())).rejects.toThrow(
      /IMM_DATASET: at most 63 characters with LIBRARY_MODE=prefix/,
    );
    expect(fake.requests).toHaveLength(0);
    // 63 is fine.
    const ok = immFunctions(logs.log, prefixEnv({ IMM_DATASET: `d${'x'.repeat(62)}` }));
    expect((await ok.indexer(ossEvent([{ key: 'photos/a/1.jpg' }]), fcContext())).ok).toBe(true);
  });

  it("keeps the event when the project's dataset quota is full (retried, then dead-lettered)", async () => {
    const { indexer } = immFunctions(logs.log, prefixEnv());
    fake.state.project('album_p').ProjectMaxDatasetCount = 1;
    expect((await indexer(ossEvent([{ key: 'photos/a/1.jpg' }]), fcContext())).ok).toBe(true);
    await expect(indexer(ossEvent([{ key: 'photos/b/1.jpg' }]), fcContext())).rejects.toThrow(
      /no room for another dataset \(LimitExceededError\).*ProjectMaxDatasetCount/,
    );
    expect(logs.events('invocation.retry')).toHaveLength(1);
    // A library that exists keeps working.
    expect((await indexer(ossEvent([{ key: 'photos/a/2.jpg' }]), fcContext())).ok).toBe(true);
  });
});

describe('clusterer in prefix mode', () => {
  /** Index one photo into each library, in this order, so their datasets' creation times follow it. */
  async function libraries(
    indexer: ReturnType<typeof immFunctions>['indexer'],
    names: string[],
    photo = '1',
  ) {
    for (const name of names) {
      fake.seedFaces(`oss://testbucket/photos/${name}/${photo}.jpg`, [goodFace(name)]);
      await indexer(ossEvent([{ key: `photos/${name}/${photo}.jpg` }]), fcContext());
      await sleep(3);
    }
  }
  const tasksSince = (n: number) =>
    fake
      .requestsFor('CreateFigureClusteringTask')
      .slice(n)
      .map((r) => String(datasetOf(r)).replace('album_d-', ''));

  it('clusters only changed libraries, longest-waiting first, at most CLUSTER_MAX_LIBRARIES a tick, resuming next tick', async () => {
    const { indexer, clusterer } = immFunctions(logs.log, prefixEnv({ CLUSTER_MAX_LIBRARIES: '2' }));
    await libraries(indexer, ['carol', 'alice', 'erin', 'bob', 'dave']);

    const tick1 = await clusterer(timerEvent(), fcContext());
    expect(tick1).toMatchObject({ ok: true, outcome: 'started', remaining: 3 });
    expect(tick1.libraries!.map((l) => [l.library, l.outcome])).toEqual([
      ['carol', 'started'],
      ['alice', 'started'],
    ]);
    expect(tasksSince(0)).toEqual(['carol', 'alice']);
    await sleep(80); // the fake finishes tasks after 30 ms

    const tick2 = await clusterer(timerEvent(), fcContext());
    expect(tick2.libraries!.map((l) => l.library)).toEqual(['erin', 'bob']);
    expect(tick2.remaining).toBe(1);
    await sleep(80);
    const tick3 = await clusterer(timerEvent(), fcContext());
    expect(tick3.libraries!.map((l) => l.library)).toEqual(['dave']);
    expect(tick3.remaining).toBe(0);
    await sleep(80);

    // Nothing new anywhere: no clustering call at all.
    const before = fake.requestsFor('CreateFigureClusteringTask').length;
    const quiet = await clusterer(timerEvent(), fcContext());
    expect(quiet).toMatchObject({ ok: true, outcome: 'skipped', libraries: [], remaining: 0 });
    expect(tasksSince(before)).toEqual([]);

    // New photos in bob, then alice: only those two, and alice first — her last clustering (tick 1) is older
    // than bob's (tick 2), so her new photo has waited longest.
    await libraries(indexer, ['bob', 'alice'], '2');
    const tick5 = await clusterer(timerEvent(), fcContext());
    expect(tick5.libraries!.map((l) => l.library)).toEqual(['alice', 'bob']);
    expect(tasksSince(before)).toEqual(['alice', 'bob']);
    // One line per library with its name.
    expect(logs.events('clustering.started').map((l) => l.library)).toEqual([
      'carol',
      'alice',
      'erin',
      'bob',
      'dave',
      'alice',
      'bob',
    ]);
  });

  it('leaves a library whose task is still running alone, and retries one whose last task failed', async () => {
    await fake.close();
    fake = await startFakeImm({ project: 'album_p', clusteringDelayMs: Number.POSITIVE_INFINITY });
    const { indexer, clusterer } = immFunctions(logs.log, prefixEnv());
    await libraries(indexer, ['a', 'b']);
    const tick1 = await clusterer(timerEvent(), fcContext());
    expect(tick1.libraries!.map((l) => l.library)).toEqual(['a', 'b']);
    // Both still running: checked, not started again, nothing collected yet.
    const before = fake.requestsFor('CreateFigureClusteringTask').length;
    const tick2 = await clusterer(timerEvent(), fcContext());
    expect(tick2).toMatchObject({ outcome: 'skipped', libraries: [] });
    expect(fake.requestsFor('CreateFigureClusteringTask')).toHaveLength(before);
    // a's task fails, b's succeeds: the next tick reports a's failure and starts it again.
    const [taskA, taskB] = [...fake.state.tasks.values()].map((t) => t.info.TaskId);
    fake.state.failTask(taskA!, 'InternalError', 'engine hiccup');
    fake.state.completeTasks();
    void taskB;
    const tick3 = await clusterer(timerEvent(), fcContext());
    expect(tick3.libraries!.map((l) => l.library)).toEqual(['a']);
    expect(logs.events('clustering.failed')).toEqual([
      expect.objectContaining({ library: 'a', code: 'InternalError', message: 'engine hiccup' }),
    ]);
  });

  it('checks at most CLUSTER_SCAN_LIBRARIES libraries a tick and takes them in turns', async () => {
    const { indexer, clusterer } = immFunctions(
      logs.log,
      prefixEnv({ CLUSTER_SCAN_LIBRARIES: '2', CLUSTER_MAX_LIBRARIES: '5' }),
    );
    const names = ['l1', 'l2', 'l3', 'l4', 'l5'];
    await libraries(indexer, names);
    const clustered: string[] = [];
    for (let tick = 0; tick < 3; tick++) {
      const checksBefore = fake.requestsFor('GetDataset').length;
      const res = await clusterer(timerEvent(), fcContext());
      const lib = res.libraries!.map((l) => l.library);
      expect(lib.length).toBeLessThanOrEqual(2);
      // 2 statistics reads for the check + 1 per library clustered (runImmClustering's own re-check).
      expect(fake.requestsFor('GetDataset').length - checksBefore).toBe(2 + lib.length);
      clustered.push(...lib);
      await sleep(80);
    }
    expect(clustered.sort()).toEqual(names);
    const scans = logs.events('clustering.scan');
    expect(scans.every((l) => l.libraries === 5 && l.checked <= 2)).toBe(true);
  });

  it('never moves the scan past a changed library it left over: each tick clusters the next one', async () => {
    const { indexer, clusterer } = immFunctions(
      logs.log,
      prefixEnv({ CLUSTER_SCAN_LIBRARIES: '3', CLUSTER_MAX_LIBRARIES: '1' }),
    );
    const names = ['l1', 'l2', 'l3', 'l4', 'l5'];
    await libraries(indexer, names);
    const clustered: string[] = [];
    for (let tick = 0; tick < 5; tick++) {
      const res = await clusterer(timerEvent(), fcContext());
      expect(res.libraries).toHaveLength(1);
      clustered.push(res.libraries![0]!.library);
      await sleep(60);
    }
    // Five ticks, five libraries: none was skipped over and none clustered twice.
    expect([...clustered].sort()).toEqual(names);
  });

  it('after IMM forgets the tasks (7 days), clusters only libraries with faces never clustered', async () => {
    const { indexer, clusterer } = immFunctions(logs.log, prefixEnv());
    await libraries(indexer, ['a', 'b', 'c']);
    await indexer(ossEvent([{ key: 'photos/d/no-face.jpg' }]), fcContext()); // a photo without faces
    const first = await clusterer(timerEvent(), fcContext());
    expect(first.libraries!.map((l) => l.library)).toEqual(['a', 'b', 'c']);
    await sleep(80);
    fake.state.tasks.clear();
    const before = fake.requestsFor('CreateFigureClusteringTask').length;
    const quiet = await clusterer(timerEvent(), fcContext());
    expect(quiet).toMatchObject({ outcome: 'skipped', libraries: [] });
    expect(fake.requestsFor('CreateFigureClusteringTask')).toHaveLength(before);
    await libraries(indexer, ['b'], '2');
    const tick = await clusterer(timerEvent(), fcContext());
    expect(tick.libraries!.map((l) => l.library)).toEqual(['b']);
  });

  it('paces its IMM calls at CLUSTER_CALLS_PER_SECOND, leaving the project QPS to the indexer and API', async () => {
    const { indexer } = immFunctions(logs.log, prefixEnv());
    await libraries(indexer, ['a', 'b', 'c']);
    const { clusterer } = immFunctions(logs.log, prefixEnv({ CLUSTER_CALLS_PER_SECOND: '20' }));
    const before = fake.requests.length;
    await clusterer(timerEvent(), fcContext());
    const at = fake.requests.slice(before).map((r) => r.at);
    expect(at.length).toBeGreaterThan(10);
    // 20 a second: n calls span at least (n - 1) × 50 ms (a little slack for timer granularity).
    expect(at.at(-1)! - at[0]!).toBeGreaterThanOrEqual((at.length - 1) * 50 - 20);
  });

  it('keeps part of a short tick for clustering: the checks stop early and the next tick goes on', async () => {
    const { indexer } = immFunctions(logs.log, prefixEnv());
    const names = ['l1', 'l2', 'l3', 'l4', 'l5', 'l6'];
    await libraries(indexer, names);
    const { clusterer } = immFunctions(logs.log, prefixEnv({ CLUSTER_CALLS_PER_SECOND: '10' }));
    // 7 s timeout: 2 s left after FC's return margin, at 10 calls/s not enough to check all six and cluster.
    // (Slots of 100 ms rather than 50: a loaded CI machine overran 1 s ticks at 20 calls/s.)
    const short = () =>
      fcContext({ function: { name: 'clusterer', handler: 'index.handler', memory: 512, timeout: 7 } });
    const clustered: string[] = [];
    const perTick: number[] = [];
    let overrun = 0;
    // Up to 15 ticks: on a loaded machine one call can take most of a slot; the rule is about the whole run.
    for (let tick = 0; tick < 15 && clustered.length < names.length; tick++) {
      try {
        const res = await clusterer(timerEvent(), short());
        perTick.push(res.libraries!.length);
        clustered.push(...res.libraries!.map((l) => l.library));
      } catch (err) {
        // A call still in flight at the deadline fails the tick loudly (the timer retries it next tick);
        // on a loaded CI machine that can happen in a short tick. Anything else is a real failure.
        expect(String(err)).toMatch(/DeadlineExceeded/);
        overrun++;
        perTick.push(0);
      }
      await sleep(60);
    }
    expect([...clustered].sort()).toEqual(names);
    expect(overrun).toBeLessThan(perTick.length);
    expect(perTick.filter((n) => n > 0).length).toBeGreaterThanOrEqual(
      Math.ceil((perTick.length - overrun) / 2),
    );
    expect(logs.events('clustering.scan').some((l) => l.checked < names.length)).toBe(true);
  }, 90_000);
});
