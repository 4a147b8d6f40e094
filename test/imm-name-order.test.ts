/**
 * "Sort by name" on IMM (issue 19 bug 10), through the fake IMM server: named people first in
 * normalized-name order (case and accents ignored, as `?q=` matches), unnamed people after them by photo
 * count, and a cursor walk over both phases returns each person once, in both orders and at any page size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImmBackend } from '../src/imm/imm-backend';
import { ImmClient } from '../src/imm/imm-client';
import { createLogger } from '../src/log/logger';
import { type FakeImm, goodFace, startFakeImm } from './fake-imm/fake-imm';
import { TEST_IMM_CONFIG } from './support/imm-test-config';

const config = TEST_IMM_CONFIG;
const log = createLogger({ write: () => undefined });
let fake: FakeImm;
let backend: ImmBackend;
/** Names given to the people with 3..11 photos (index = photos - 3); null: unnamed. */
const NAMES = ['Zoë', null, 'émile', null, 'alice', 'Bob', null, 'Ábel', null];

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
  for (let p = 0; p < NAMES.length; p++)
    for (let i = 0; i < p + 3; i++) {
      const uri = `oss://bkt/photos/p${p}-${i}.jpg`;
      fake.seedFaces(uri, [goodFace(`person${p}`)]);
      uris.push(uri);
    }
  await backend.indexPhotos(uris, log);
  expect(await backend.runClustering({ deadline: Date.now() + 10_000, log })).toMatchObject({
    outcome: 'succeeded',
  });
  const all = await backend.listPeople({ limit: 100, sort: 'imageCount', order: 'asc', hidden: 'include' });
  for (const person of all.items) {
    const name = NAMES[person.imageCount - 3];
    if (name) await backend.updatePerson(person.id, { name });
  }
});
afterAll(() => fake.close());

async function walk(order: 'asc' | 'desc', limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 50; pages++) {
    const page = await backend.listPeople({ limit, cursor, sort: 'name', order, hidden: 'include' });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    seen.push(...page.items.map((p) => p.name ?? `unnamed ${p.imageCount}`));
    cursor = page.nextCursor ?? undefined;
    if (!cursor) break;
  }
  return seen;
}

const EXPECTED = [
  'Ábel',
  'alice',
  'Bob',
  'émile',
  'Zoë',
  'unnamed 11',
  'unnamed 9',
  'unnamed 6',
  'unnamed 4',
];

describe('sort by name on IMM', () => {
  it('lists named people first in name order (case and accents ignored), unnamed after by photo count', async () => {
    for (const limit of [1, 2, 4, 5, 100])
      expect(await walk('asc', limit), `limit ${limit}`).toEqual(EXPECTED);
  });
  it('desc reverses the whole list', async () => {
    for (const limit of [1, 3, 100])
      expect(await walk('desc', limit), `limit ${limit}`).toEqual([...EXPECTED].reverse());
  });
  it('keeps the order with ?q= and refuses a cursor of another sort', async () => {
    const page = await backend.listPeople({
      limit: 10,
      sort: 'name',
      order: 'asc',
      hidden: 'include',
      q: 'E',
    });
    expect(page.items.map((p) => p.name)).toEqual(['Ábel', 'alice', 'émile', 'Zoë']);
    const other = await backend.listPeople({ limit: 1, sort: 'imageCount', order: 'asc', hidden: 'include' });
    await expect(
      backend.listPeople({
        limit: 1,
        sort: 'name',
        order: 'asc',
        hidden: 'include',
        cursor: other.nextCursor!,
      }),
    ).rejects.toMatchObject({ code: 'bad_request' });
  });
});
