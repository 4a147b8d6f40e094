import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeImm, type FakeImmOptions, goodFace, startFakeImm } from './fake-imm/fake-imm';
import {
  captureLogs,
  fcContext,
  immEnv,
  immFunctions,
  ossEvent,
  setEnv,
  timerEvent,
} from './fake-imm/fc-events';
import { waitFor } from './support/wait-for';

let fake: FakeImm | null = null;
let restoreEnv: (() => void) | null = null;
const logs = captureLogs();
const { indexer, clusterer } = immFunctions(logs.log);

async function setup(opts: FakeImmOptions, env: Record<string, string> = {}): Promise<FakeImm> {
  fake = await startFakeImm(opts);
  restoreEnv = setEnv(immEnv(fake.endpoint, env));
  return fake;
}

beforeEach(() => {
  logs.clear();
});
afterEach(async () => {
  restoreEnv?.();
  await fake?.close();
  fake = null;
});

/** Seeds and indexes `count` photos of one person through the real indexer handler. */
async function upload(f: FakeImm, identity: string, count: number, from = 1): Promise<void> {
  const keys: string[] = [];
  for (let i = from; i < from + count; i++) {
    const key = `photos/${identity}-${i}.jpg`;
    f.seedFaces(`oss://testbucket/${key}`, [goodFace(identity, { Age: 20 + i })], { Size: 50_000 + i });
    keys.push(key);
  }
  const res = await indexer(ossEvent(keys.map((key) => ({ key }))), fcContext());
  expect(res.ok).toBe(true);
}

const ctx = () => fcContext({ function: { name: 'face-album-clusterer', timeout: 60 } });

describe('clusterer handler (timer → IMM face clustering)', () => {
  it('starts a task, waits for it and logs how many people are new or updated', async () => {
    const f = await setup({ project: 'album_p', dataset: 'album_d' });
    await upload(f, 'alice', 3);
    await upload(f, 'bob', 4);
    await upload(f, 'carol', 2); // too few images for a person
    const res = await clusterer(timerEvent(), ctx());
    expect(res).toMatchObject({ ok: true, outcome: 'succeeded' });
    expect(res.taskId).toBeTruthy();
    const done = logs.events('clustering.succeeded');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ newPeople: 2, updatedPeople: 0 });
    expect(logs.events('clustering.started')).toHaveLength(1);
    const create = f.requestsFor('CreateFigureClusteringTask')[0]!;
    expect(create.params?.Tags).toMatchObject({ album_dataset: 'album_d' });
    expect(f.requestsFor('GetTask').every((r) => r.query.TaskType === 'FaceClustering')).toBe(true);
    expect(
      [...f.state.dataset('album_p', 'album_d').clusters.values()].map((c) => c.ImageCount).sort(),
    ).toEqual([3, 4]);

    // one more photo of alice + one new person: 1 new, 1 updated
    logs.clear();
    await upload(f, 'alice', 1, 4);
    await upload(f, 'dave', 3);
    const again = await clusterer(timerEvent(), ctx());
    expect(again.outcome).toBe('succeeded');
    expect(logs.events('clustering.succeeded')[0]).toMatchObject({ newPeople: 1, updatedPeople: 1 });
  });

  it('skips when nothing was indexed or removed since the last successful task', async () => {
    const f = await setup({ project: 'album_p', dataset: 'album_d' });
    await upload(f, 'alice', 3);
    expect((await clusterer(timerEvent(), ctx())).outcome).toBe('succeeded');
    const creates = f.requestsFor('CreateFigureClusteringTask').length;
    const second = await clusterer(timerEvent(), ctx());
    expect(second).toMatchObject({ ok: true, outcome: 'skipped' });
    expect(logs.events('clustering.skipped')[0]!.reason).toContain('nothing indexed or removed');
    expect(f.requestsFor('CreateFigureClusteringTask').length).toBe(creates);
    // a removal counts as a change
    await indexer(ossEvent([{ key: 'photos/alice-1.jpg', removed: true }]), fcContext());
    expect((await clusterer(timerEvent(), ctx())).outcome).toBe('succeeded');
  });

  it('skips while a clustering task of the dataset is running, and times out waiting without failing', async () => {
    const f = await setup(
      { project: 'album_p', dataset: 'album_d', clusteringDelayMs: Infinity },
      { CLUSTER_WAIT_SECONDS: '0' },
    );
    await upload(f, 'alice', 3);
    const first = await clusterer(timerEvent(), ctx());
    expect(first).toMatchObject({ ok: true, outcome: 'timeout' });
    const second = await clusterer(timerEvent(), ctx());
    expect(second).toMatchObject({ ok: true, outcome: 'skipped' });
    expect(logs.events('clustering.skipped')[0]!.reason).toContain('already running');
    expect(f.requestsFor('CreateFigureClusteringTask')).toHaveLength(1);
    const running = f.requestsFor('ListTasks').find((r) => r.params?.Status === 'Running')!;
    expect(running.query.TaskTypes).toBe('["FaceClustering"]');
    expect(running.query.TagSelector).toBe('album_dataset=album_d');
    f.state.completeTasks();
    expect((await clusterer(timerEvent(), ctx())).outcome).toBe('skipped'); // finished task covered this state
  });

  it('reports a failed IMM task as failed (no rethrow: the next tick tries again)', async () => {
    const f = await setup({ project: 'album_p', dataset: 'album_d', clusteringDelayMs: Infinity });
    await upload(f, 'alice', 3);
    const run = clusterer(timerEvent(), ctx());
    await waitFor('the clustering task to start', () => f.state.tasks.size > 0, { intervalMs: 5 });
    const [taskId] = [...f.state.tasks.keys()];
    f.state.failTask(taskId!, 'InternalError', 'engine exploded');
    const res = await run;
    expect(res).toMatchObject({ ok: false, outcome: 'failed' });
    expect(logs.events('clustering.failed')[0]!.reason).toContain('engine exploded');
  });

  it('auto-creates project and dataset with the face template when IMM_AUTO_CREATE is on', async () => {
    const f = await setup({}, { IMM_AUTO_CREATE: 'true' });
    const res = await clusterer(timerEvent(), ctx());
    expect(res).toMatchObject({ ok: true, outcome: 'skipped' });
    expect(f.requestsFor('CreateProject')[0]!.params).toMatchObject({
      ProjectName: 'album_p',
      TemplateId: 'Official:FaceManagement',
      ServiceRole: 'AliyunIMMDefaultRole',
    });
    expect(f.requestsFor('CreateDataset')[0]!.params).toMatchObject({
      ProjectName: 'album_p',
      DatasetName: 'album_d',
      TemplateId: 'Official:FaceManagement',
    });
    expect(logs.events('clustering.skipped')[0]!.reason).toContain('empty');
  });

  it('lets the first upload create the dataset when IMM_AUTO_CREATE is on', async () => {
    const f = await setup({}, { IMM_AUTO_CREATE: 'true' });
    await upload(f, 'alice', 3);
    expect(f.state.dataset('album_p', 'album_d').files.size).toBe(3);
    expect((await clusterer(timerEvent(), ctx())).outcome).toBe('succeeded');
  });

  it('throws a clear setup error when the project is missing and auto-create is off', async () => {
    await setup({});
    await expect(clusterer(timerEvent(), ctx())).rejects.toThrow(
      /IMM project "album_p" does not exist.*IMM_AUTO_CREATE/,
    );
    const errors = logs.lines().filter((l) => l.level === 'error');
    expect(errors.map((l) => l.event)).toEqual(['invocation.retry']);
  });

  it('rethrows when IMM keeps failing so FC retries the tick', async () => {
    const f = await setup({ project: 'album_p', dataset: 'album_d' });
    f.failNext('ListTasks', 100, { status: 503, code: 'ServiceUnavailable' });
    await expect(clusterer(timerEvent(), ctx())).rejects.toMatchObject({ code: 'upstream_error' });
  });
});
