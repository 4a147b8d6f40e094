import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlbumError } from '../src/album/errors';
import { ImmBackend } from '../src/imm/imm-backend';
import { ImmClient } from '../src/imm/imm-client';
import { toAlbumError } from '../src/imm/imm-errors-map';
import { toFace, toPerson } from '../src/imm/imm-records';
import { decodeTaskId, encodeTaskId } from '../src/imm/imm-tasks';
import { faceCropProcess } from '../src/imm/oss-media-links';
import { createLogger } from '../src/log/logger';
import { type FakeImm, goodFace, startFakeImm } from './fake-imm/fake-imm';
import { TEST_IMM_CONFIG } from './support/imm-test-config';

const config = TEST_IMM_CONFIG;
const log = createLogger({ write: () => undefined });
let fake: FakeImm;
let client: ImmClient;
let backend: ImmBackend;

/** 12 people with 3..14 images each; every third one hidden. */
beforeAll(async () => {
  fake = await startFakeImm({ project: 'p', dataset: 'd', clusteringDelayMs: 5 });
  client = new ImmClient({
    region: 'cn-hangzhou',
    credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' },
    endpoint: fake.endpoint,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
  });
  backend = new ImmBackend({
    client,
    config: { ...config, endpoint: fake.endpoint },
    poll: { minMs: 5, maxMs: 20 },
  });
  const uris: string[] = [];
  for (let p = 0; p < 12; p++) {
    for (let i = 0; i < 3 + p; i++) {
      const uri = `oss://bkt/photos/p${p}-${i}.jpg`;
      fake.seedFaces(uri, [goodFace(`person${p}`)]);
      uris.push(uri);
    }
  }
  for (let i = 0; i < uris.length; i += 100) await backend.indexPhotos(uris.slice(i, i + 100), log);
  const run = await backend.runClustering({ deadline: Date.now() + 10_000, log });
  expect(run).toMatchObject({ outcome: 'succeeded', newPeople: 12 });
  const all = await backend.listPeople({ limit: 100, sort: 'imageCount', order: 'asc', hidden: 'include' });
  for (const [i, person] of all.items.entries()) {
    await backend.updatePerson(person.id, {
      name: `Name ${String.fromCharCode(90 - i)}`,
      hidden: i % 3 === 0,
    });
  }
});
afterAll(() => fake.close());

async function collect(
  hidden: 'exclude' | 'include' | 'only',
  limit: number,
  sort: 'imageCount' | 'name' = 'imageCount',
) {
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await backend.listPeople({ limit, cursor, sort, order: 'asc', hidden });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    seen.push(...page.items.map((p) => `${p.imageCount}:${p.hidden}`));
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor && pages < 50);
  return seen;
}

describe('ImmBackend.listPeople paging with hidden people', () => {
  it('exclude: every visible person exactly once, pages never larger than the limit', async () => {
    for (const limit of [1, 2, 3, 5, 100]) {
      const seen = await collect('exclude', limit);
      expect(seen, `limit ${limit}`).toEqual([4, 5, 7, 8, 10, 11, 13, 14].map((n) => `${n}:false`));
    }
  });
  it('only: the hidden people, filtered by CustomLabels album.hidden=true', async () => {
    expect(await collect('only', 2)).toEqual([3, 6, 9, 12].map((n) => `${n}:true`));
    expect(fake.requestsFor('QueryFigureClusters').at(-1)!.query.CustomLabels).toBe('album.hidden=true');
  });
  it('include: all twelve', async () => {
    expect(await collect('include', 5)).toHaveLength(12);
  });
  it('sorts by name through Sort=Name (the enum key, not the English title GroupName)', async () => {
    const page = await backend.listPeople({ limit: 3, sort: 'name', order: 'asc', hidden: 'include' });
    // The named clusters are read by Sort=Name and ordered here (imm-name-order.ts).
    expect(fake.requestsFor('QueryFigureClusters').at(-1)!.query).toMatchObject({
      Sort: 'Name',
      Order: 'desc',
    });
    expect(page.items.map((p) => p.name)).toEqual(['Name O', 'Name P', 'Name Q']);
  });
});

describe('ImmBackend edits and tasks', () => {
  it('keeps user labels apart from reserved ones and bumps MetaLockVersion', async () => {
    const [person] = (
      await backend.listPeople({ limit: 1, sort: 'imageCount', order: 'desc', hidden: 'include' })
    ).items;
    const updated = await backend.updatePerson(person!.id, { labels: { a: '1' } });
    expect(updated.labels).toEqual({ a: '1' });
    expect(updated.name).toBe(person!.name);
    const cleared = await backend.updatePerson(person!.id, { name: null });
    expect(cleared.name).toBeNull();
    expect(cleared.labels).toEqual({ a: '1' });
  });

  it('maps a MetaLockVersion mismatch to conflict', async () => {
    const [person] = (
      await backend.listPeople({ limit: 1, sort: 'imageCount', order: 'desc', hidden: 'include' })
    ).items;
    const err = await client
      .call('UpdateFigureCluster', {
        ProjectName: 'p',
        DatasetName: 'd',
        FigureCluster: { ObjectId: person!.id, MetaLockVersion: 999, Name: 'x' },
      })
      .catch((e) => e);
    const mapped = toAlbumError(err);
    expect(mapped).toBeInstanceOf(AlbumError);
    expect((mapped as AlbumError).code).toBe('conflict');
  });

  it('reports a merge whose source vanished as a failed task', async () => {
    fake.state.behaviour.mergingDelayMs = Infinity;
    const people = (
      await backend.listPeople({ limit: 3, sort: 'imageCount', order: 'asc', hidden: 'include' })
    ).items;
    const task = await backend.mergePeople([people[0]!.id, people[1]!.id], people[2]!.id);
    expect(task.status).toBe('running');
    expect(fake.requestsFor('CreateFigureClustersMergingTask').at(-1)!.query.Froms).toBe(
      JSON.stringify([people[0]!.id, people[1]!.id]),
    );
    // the first source's photos are deleted before the task runs
    const photos = await backend.listPersonPhotos(people[0]!.id, { limit: 100 });
    await backend.removePhotos(
      photos.items.map((p) => p.uri),
      log,
    );
    fake.state.completeTasks();
    fake.state.behaviour.mergingDelayMs = 30;
    const done = await backend.getTask(task.id);
    expect(done).toMatchObject({ type: 'merge', status: 'failed', code: 'ResourceNotFound' });
  });

  it('getPhoto is null for a photo that was never indexed; bytes detection is refused', async () => {
    expect(await backend.getPhoto('oss://bkt/photos/never.jpg')).toBeNull();
    await expect(
      backend.detectFaces({ kind: 'bytes', bytes: new Uint8Array([1]), contentType: 'image/jpeg' }),
    ).rejects.toMatchObject({ code: 'bad_request' });
  });
});

describe('pure mappings', () => {
  it('maps reserved FigureClusterIds to no person', () => {
    expect(toFace({ FigureClusterId: 'figure-cluster-id-independent' }, 0).personId).toBeNull();
    expect(toFace({ FigureClusterId: 'figure-cluster-id-unavailable' }, 0).personId).toBeNull();
    expect(
      toFace({ FigureClusterId: 'Cluster-1', HeadPose: { Pitch: 1, Roll: 2, Yaw: 3 }, Gender: 'MALE' }, 0),
    ).toMatchObject({ personId: 'Cluster-1', headPose: { yaw: 3, pitch: 1, roll: 2 }, gender: 'male' });
  });
  it("takes the cover box from the cluster's own figure on the cover file", () => {
    const p = toPerson({
      ObjectId: 'Cluster-A',
      CustomLabels: { 'album.hidden': 'true', x: 'y' },
      AverageAge: 30,
      MinAge: 20,
      MaxAge: 40,
      Cover: {
        URI: 'oss://b/k.jpg',
        Figures: [
          { FigureClusterId: 'Cluster-B', Boundary: { Left: 1, Top: 1, Width: 1, Height: 1 } },
          { FigureClusterId: 'Cluster-A', Boundary: { Left: 5, Top: 6, Width: 7, Height: 8 } },
        ],
      },
    });
    expect(p).toMatchObject({
      hidden: true,
      labels: { x: 'y' },
      age: { avg: 30, min: 20, max: 40 },
      cover: { uri: 'oss://b/k.jpg', box: { left: 5, top: 6, width: 7, height: 8 } },
    });
  });
  it('auto-orients, then pads face crops by 20 % and clamps at the top-left edge', () => {
    expect(faceCropProcess({ left: 100, top: 100, width: 100, height: 50 })).toBe(
      'image/auto-orient,1/crop,x_80,y_90,w_140,h_70/resize,m_fill,w_160,h_160',
    );
    expect(faceCropProcess({ left: 5, top: 0, width: 100, height: 100 })).toBe(
      'image/auto-orient,1/crop,x_0,y_0,w_125,h_120/resize,m_fill,w_160,h_160',
    );
  });
  it('round-trips task ids and rejects foreign ones', () => {
    expect(decodeTaskId(encodeTaskId('merge', 'T-1', 'tag-1'))).toEqual({
      type: 'merge',
      immTaskId: 'T-1',
      mergeTag: 'tag-1',
    });
    expect(decodeTaskId(encodeTaskId('clustering', 'T-2'))).toEqual({ type: 'clustering', immTaskId: 'T-2' });
    // A merge id without its tag could only be looked up by guessing the TaskType: refused.
    expect(decodeTaskId(encodeTaskId('merge', 'T-1'))).toBeNull();
    expect(decodeTaskId('bogus')).toBeNull();
  });
});
