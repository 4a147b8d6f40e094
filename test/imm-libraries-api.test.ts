/**
 * The cloud API in LIBRARY_MODE=prefix, through the deployed api handler and a fake IMM on 127.0.0.1:
 * a token of library `a` reaches only dataset `<IMM_DATASET>-a` on every route — checked on the IMM
 * requests themselves — and library `b`'s ids and photos answer 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintLibraryToken } from '../src/library/library-token';
import { type FakeImm, goodFace, type RecordedRequest, startFakeImm } from './fake-imm/fake-imm';
import {
  captureLogs,
  fcContext,
  type HttpOptions,
  httpEvent,
  immEnv,
  immFunctions,
  ossEvent,
  timerEvent,
} from './fake-imm/fc-events';

const KEY = 'admin-api-key-0123456789';
const SECRET = 'library-token-secret-0123456789abcdef';
const logs = captureLogs();
let fake: FakeImm;
let fns: ReturnType<typeof immFunctions>;
let tokenA: string;

async function call(method: string, path: string, bearer: string, opts: HttpOptions = {}) {
  const res = await fns.api(
    httpEvent(method, path, { ...opts, headers: { authorization: `Bearer ${bearer}`, ...opts.headers } }),
    fcContext(),
  );
  let json: any = null;
  try {
    json = JSON.parse(res.body);
  } catch {
    /* not json */
  }
  return { status: res.statusCode, json };
}

const photo = (lib: string, who: string, i: number) => `photos/${lib}/${who}-${i}.jpg`;
const uri = (key: string) => `oss://testbucket/${key}`;

/** Person (cluster) id of `who` in library `lib`, and one of their face ids, read from the fake's state. */
function personOf(lib: string, who: string): { id: string; faceId: string } {
  for (const file of fake.state.dataset('album_p', `album_d-${lib}`).files.values())
    for (const f of file.Figures ?? [])
      if (fake.state.identityOf(f.FigureId!) === who && f.FigureClusterId?.startsWith('Cluster-'))
        return { id: f.FigureClusterId, faceId: f.FigureId! };
  throw new Error(`no person ${who} in ${lib}`);
}

let clusteringTask: Record<string, string>;

beforeAll(async () => {
  fake = await startFakeImm({ project: 'album_p', mergingTaskType: 'UndocumentedMerge' });
  fns = immFunctions(
    logs.log,
    immEnv(fake.endpoint, { LIBRARY_MODE: 'prefix', ALBUM_API_KEY: KEY, ALBUM_TOKEN_SECRET: SECRET }),
  );
  const people: [string, string][] = [
    ['a', 'ann'],
    ['a', 'amy'],
    ['b', 'ben'],
    ['b', 'bo'],
  ];
  const keys: string[] = [];
  for (const [lib, who] of people)
    for (let i = 1; i <= 3; i++) {
      const key = photo(lib, who, i);
      fake.seedFaces(uri(key), [goodFace(who)], { ImageWidth: 1200, ImageHeight: 900 });
      keys.push(key);
    }
  expect((await fns.indexer(ossEvent(keys.map((key) => ({ key }))), fcContext())).ok).toBe(true);
  const tick = await fns.clusterer(timerEvent(), fcContext());
  clusteringTask = Object.fromEntries(tick.libraries!.map((l) => [l.library, l.taskId!]));
  await new Promise((r) => setTimeout(r, 100)); // the fake finishes clustering after 30 ms
  tokenA = await mintLibraryToken(SECRET, 'a', 600);
});
afterAll(async () => {
  await fake.close();
});

/** What the requests since `from` asked IMM about: each one must stay inside library a. */
function outsideLibraryA(requests: RecordedRequest[]): string[] {
  const bad: string[] = [];
  for (const r of requests) {
    const p = r.params ?? {};
    if ('DatasetName' in p && p.DatasetName !== 'album_d-a') bad.push(`${r.action} ${String(p.DatasetName)}`);
    if (r.action === 'DetectImageFaces' && !String(p.SourceURI).startsWith('oss://testbucket/photos/a/'))
      bad.push(`${r.action} ${String(p.SourceURI)}`);
    if (r.action === 'ListTasks' && !/^album_(dataset=album_d-a|merge=)/.test(String(p.TagSelector)))
      bad.push(`${r.action} ${String(p.TagSelector)}`);
  }
  return bad;
}

describe('cloud API, prefix mode: a library token is held to its library', () => {
  it('serves every route of library a from dataset album_d-a only', async () => {
    const ann = personOf('a', 'ann');
    const amy = personOf('a', 'amy');
    const mark = fake.requests.length;
    const base = '/libraries/a';
    const ok = [
      await call('GET', `${base}/people`, tokenA),
      await call('GET', `${base}/people/${ann.id}`, tokenA),
      await call('GET', `${base}/people/${ann.id}/photos`, tokenA),
      await call('PATCH', `${base}/people/${ann.id}`, tokenA, { body: { name: 'Ann' } }),
      await call('PUT', `${base}/people/${ann.id}/cover`, tokenA, { body: { faceId: ann.faceId } }),
      await call('GET', `${base}/tasks/${clusteringTask.a}`, tokenA),
      await call('GET', `${base}/stats`, tokenA),
      await call('GET', `${base}/photos/faces?uri=${encodeURIComponent(uri(photo('a', 'ann', 1)))}`, tokenA),
      await call('GET', `${base}/photos/faces?uri=${encodeURIComponent(photo('a', 'ann', 2))}`, tokenA),
      await call('POST', `${base}/detect`, tokenA, { body: { uri: uri(photo('a', 'amy', 1)) } }),
    ];
    const merge = await call('POST', `${base}/people/merge`, tokenA, {
      body: { from: [amy.id], into: ann.id },
    });
    expect(merge.status).toBe(202);
    ok.push(await call('GET', `${base}/tasks/${merge.json.task.id}`, tokenA));
    expect(ok.map((r) => r.status)).toEqual(ok.map(() => 200));
    expect(ok.at(-1)!.json).toMatchObject({ type: 'merge' });
    const people = ok[0]!.json.items as { id: string }[];
    expect(people.map((p) => p.id).sort()).toEqual([amy.id, ann.id].sort());
    expect(ok[6]!.json).toMatchObject({ photoCount: 6, personCount: 2 });
    expect(ok[9]!.json.faces).toHaveLength(1);

    const sent = fake.requests.slice(mark);
    // Each route above really reached IMM (the check below is not vacuous)...
    for (const action of [
      'QueryFigureClusters',
      'GetFigureCluster',
      'SimpleQuery',
      'UpdateFigureCluster',
      'GetTask',
      'GetDataset',
      'GetFileMeta',
      'DetectImageFaces',
      'CreateFigureClustersMergingTask',
      'ListTasks',
    ])
      expect(sent.some((r) => r.action === action)).toBe(true);
    // ...and never outside library a.
    expect(outsideLibraryA(sent)).toEqual([]);
  });

  it("answers 404 for library b's people, tasks and photos, without reaching b's dataset", async () => {
    const ben = personOf('b', 'ben');
    const bo = personOf('b', 'bo');
    const ann = personOf('a', 'ann');
    // A merge in b made by the admin: its task id is b's.
    const bMerge = await call('POST', '/libraries/b/people/merge', KEY, {
      body: { from: [bo.id], into: ben.id },
    });
    expect(bMerge.status).toBe(202);
    const mark = fake.requests.length;
    const base = '/libraries/a';
    const refused = [
      await call('GET', `${base}/people/${ben.id}`, tokenA),
      await call('GET', `${base}/people/${ben.id}/photos`, tokenA),
      await call('PATCH', `${base}/people/${ben.id}`, tokenA, { body: { name: 'x' } }),
      await call('PUT', `${base}/people/${ben.id}/cover`, tokenA, { body: { faceId: ben.faceId } }),
      await call('POST', `${base}/people/merge`, tokenA, { body: { from: [ben.id], into: ann.id } }),
      await call('GET', `${base}/tasks/${clusteringTask.b}`, tokenA),
      await call('GET', `${base}/tasks/${bMerge.json.task.id}`, tokenA),
      await call('GET', `${base}/photos/faces?uri=${encodeURIComponent(uri(photo('b', 'ben', 1)))}`, tokenA),
      await call('GET', `${base}/photos/faces?uri=${encodeURIComponent('photos/b/ben-1.jpg')}`, tokenA),
      await call('GET', `${base}/photos/faces?uri=${encodeURIComponent('photos/a/../b/ben-1.jpg')}`, tokenA),
      await call('POST', `${base}/detect`, tokenA, { body: { uri: uri(photo('b', 'ben', 2)) } }),
      await call('GET', '/libraries/b/people', tokenA),
      await call('GET', `/libraries/b/people/${ben.id}`, tokenA),
      await call('GET', '/libraries/b/stats', tokenA),
    ];
    expect(refused.map((r) => r.status)).toEqual(refused.map(() => 404));
    expect(outsideLibraryA(fake.requests.slice(mark))).toEqual([]);
    // b is untouched.
    expect((await call('GET', `/libraries/b/people/${ben.id}`, KEY)).json.name).not.toBe('x');
  });

  it('lets the admin key open every library, and refuses expired or wrongly signed tokens', async () => {
    expect((await call('GET', '/libraries', KEY)).json.items).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect((await call('GET', '/libraries', tokenA)).json.items).toEqual([{ name: 'a' }]);
    expect((await call('GET', '/libraries/b/people', KEY)).status).toBe(200);
    const expired = await mintLibraryToken(SECRET, 'a', 60, Date.now() - 3_600_000);
    expect((await call('GET', '/libraries/a/people', expired)).status).toBe(401);
    const forged = await mintLibraryToken(`${SECRET}-other`, 'a', 600);
    expect((await call('GET', '/libraries/a/people', forged)).status).toBe(401);
  });

  it('opens a known library with no IMM lookup and an unknown one with a single lookup', async () => {
    const lookups = (dataset: string) =>
      fake
        .requestsFor('GetDataset')
        .filter((r) => r.params?.DatasetName === dataset && !r.params?.WithStatistics).length;
    const knownBefore = lookups('album_d-a');
    for (let i = 0; i < 3; i++) expect((await call('GET', '/libraries/a/people', tokenA)).status).toBe(200);
    expect(lookups('album_d-a')).toBe(knownBefore);
    for (let i = 0; i < 3; i++) expect((await call('GET', '/libraries/zed/people', KEY)).status).toBe(404);
    expect(lookups('album_d-zed')).toBe(1);
    // An invalid name never reaches IMM.
    const before = fake.requests.length;
    expect((await call('GET', '/libraries/has%20space/people', KEY)).status).toBe(400);
    expect(fake.requests.length).toBe(before);
  });
});
