/**
 * Merges on IMM (issue 19 bugs 1 and 4), through the fake IMM server: IMM deletes a merged-away cluster,
 * so the album writes a merge record on the kept one; an old id then leads to the person it went into,
 * through merges of merges, and the kept person's cover is pinned to the face it showed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImmBackend } from '../src/imm/imm-backend';
import { ImmClient } from '../src/imm/imm-client';
import { createLogger } from '../src/log/logger';
import { type FakeImm, goodFace, startFakeImm } from './fake-imm/fake-imm';
import { TEST_IMM_CONFIG } from './support/imm-test-config';
import { waitFor } from './support/wait-for';

const config = TEST_IMM_CONFIG;
const log = createLogger({ write: () => undefined });
let fake: FakeImm;
let backend: ImmBackend;
/** Person ids by photo count: a 3, b 4, c 5. */
let a: string;
let b: string;
let c: string;

beforeAll(async () => {
  fake = await startFakeImm({ project: 'p', dataset: 'd', clusteringDelayMs: 5 });
  const client = new ImmClient({
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
  for (let p = 0; p < 3; p++)
    for (let i = 0; i < p + 3; i++) {
      const uri = `oss://bkt/photos/p${p}-${i}.jpg`;
      fake.seedFaces(uri, [goodFace(`person${p}`)]);
      uris.push(uri);
    }
  await backend.indexPhotos(uris, log);
  await backend.runClustering({ deadline: Date.now() + 10_000, log });
  const people = await backend.listPeople({ limit: 10, sort: 'imageCount', order: 'asc', hidden: 'include' });
  [a, b, c] = people.items.map((p) => p.id) as [string, string, string];
});
afterAll(() => fake.close());

async function merge(from: string, into: string) {
  const task = await backend.mergePeople([from], into);
  const done = await waitFor('the merge task', async () => {
    const t = await backend.getTask(task.id);
    return t && t.status !== 'running' ? t : null;
  });
  expect(done.status).toBe('succeeded');
}

describe('merges on IMM', () => {
  it('pins the kept person’s cover and leads a merged-away id to the person it went into, through merges of merges', async () => {
    const coverOfB = (await backend.getPerson(b))!.cover;
    await merge(a, b);
    // RPC carries the struct as JSON text.
    const update = JSON.parse(String(fake.requestsFor('UpdateFigureCluster').at(-1)!.query.FigureCluster));
    expect(update).toMatchObject({
      ObjectId: b,
      Cover: { Figures: [{ FigureId: expect.any(String) }] },
      CustomLabels: { [`album.merged.${a}`]: 'true' },
    });
    expect((await backend.getPerson(b))!.cover).toEqual(coverOfB);
    expect((await backend.getPerson(a))!.id).toBe(b);
    // The record is the album's own: not shown among the person's labels.
    expect((await backend.getPerson(b))!.labels).toEqual({});

    await merge(b, c);
    expect((await backend.getPerson(a))!.id).toBe(c);
    expect((await backend.getPerson(b))!.id).toBe(c);
    expect((await backend.getPerson(c))!.imageCount).toBe(12);
    expect(await backend.getPerson('Cluster-never-was')).toBeNull();
  });
});
