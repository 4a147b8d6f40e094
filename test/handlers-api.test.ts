import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeImm, goodFace, startFakeImm } from './fake-imm/fake-imm';
import {
  captureLogs,
  fcContext,
  type HttpOptions,
  httpEvent,
  immEnv,
  immFunctions,
  ossEvent,
  setEnv,
  timerEvent,
} from './fake-imm/fc-events';

const KEY = 'test-api-key-0123456789';
const AUTH = { authorization: `Bearer ${KEY}` };
let fake: FakeImm;
let restoreEnv: () => void;
const logs = captureLogs();
const { api, indexer, clusterer } = immFunctions(logs.log);

async function call(method: string, path: string, opts: HttpOptions = {}, auth = true) {
  const res = await api(
    httpEvent(method, path, { ...opts, headers: { ...(auth ? AUTH : {}), ...opts.headers } }),
    fcContext(),
  );
  let json: any = null;
  try {
    json = JSON.parse(res.body);
  } catch {
    /* not json */
  }
  return { status: res.statusCode, headers: res.headers, json, body: res.body };
}

async function upload(identity: string, count: number, face = goodFace(identity)) {
  const keys = Array.from({ length: count }, (_, i) => `photos/${identity}-${i + 1}.jpg`);
  for (const key of keys)
    fake.seedFaces(`oss://testbucket/${key}`, [face], { ImageWidth: 1200, ImageHeight: 900 });
  expect((await indexer(ossEvent(keys.map((key) => ({ key }))), fcContext())).ok).toBe(true);
}

async function peopleByIdentity(): Promise<Record<string, string>> {
  const d = fake.state.dataset('album_p', 'album_d');
  const out: Record<string, string> = {};
  for (const file of d.files.values())
    for (const f of file.Figures ?? []) {
      const who = fake.state.identityOf(f.FigureId!);
      if (who && f.FigureClusterId?.startsWith('Cluster-')) out[who] = f.FigureClusterId;
    }
  return out;
}

beforeAll(async () => {
  // A merging TaskType the album cannot guess: merges must be found by their tags.
  fake = await startFakeImm({ project: 'album_p', dataset: 'album_d', mergingTaskType: 'UndocumentedMerge' });
  restoreEnv = setEnv(immEnv(fake.endpoint, { ALBUM_API_KEY: KEY, CORS_ORIGINS: 'https://app.example' }));
  logs.clear();
  await upload('alice', 3);
  await upload('bob', 4, goodFace('bob', { Gender: 'male', Age: 41 }));
  await upload('carol', 1);
  expect((await clusterer(timerEvent(), fcContext())).outcome).toBe('succeeded');
});
afterAll(async () => {
  restoreEnv();
  await fake.close();
});
beforeEach(() => {
  logs.clear();
  fake.clearFaults();
});

describe('API handler: auth and CORS', () => {
  it('keeps /health open', async () => {
    const r = await call('GET', '/health', {}, false);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, backend: 'imm' });
  });
  it('answers methods a Request cannot carry with 405 and bad escapes with 404, each with a log line', async () => {
    const trace = await call('TRACE', '/health', {}, false);
    expect(trace.status).toBe(405);
    expect(trace.headers.allow).toContain('GET');
    expect(logs.events('http.refused')).toMatchObject([{ method: 'TRACE', status: 405 }]);
    const bad = await call('GET', '/%ZZ');
    expect(bad.status).toBe(404);
    expect(bad.json).toMatchObject({ error: { code: 'not_found' } });
    expect(logs.events('http.request').at(-1)).toMatchObject({ status: 404 });
  });
  it('answers 401 without or with a wrong bearer token', async () => {
    expect((await call('GET', '/people', {}, false)).status).toBe(401);
    const wrong = await call(
      'GET',
      '/people',
      { headers: { authorization: 'Bearer nope-nope-nope-nope' } },
      false,
    );
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('unauthorized');
  });
  it('answers CORS preflights for the configured origin', async () => {
    const r = await call(
      'OPTIONS',
      '/people',
      { headers: { origin: 'https://app.example', 'access-control-request-method': 'PATCH' } },
      false,
    );
    expect(r.status).toBeLessThan(300);
    expect(r.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(r.headers['access-control-allow-methods']).toContain('PATCH');
  });
});

describe('API handler: people', () => {
  it('lists people with counts, gender, age and signed cover URLs', async () => {
    const r = await call('GET', '/people');
    expect(r.status).toBe(200);
    const ids = await peopleByIdentity();
    expect(r.json.items.map((p: any) => p.id)).toEqual([ids.bob, ids.alice]); // imageCount desc
    const bob = r.json.items[0];
    expect(bob).toMatchObject({
      imageCount: 4,
      faceCount: 4,
      gender: 'male',
      hidden: false,
      name: null,
      labels: {},
    });
    expect(bob.age.avg).toBe(41);
    expect(bob.cover.uri).toMatch(/^oss:\/\/testbucket\/photos\/bob-\d\.jpg$/);
    expect(bob.cover.box).toEqual({ left: 120, top: 80, width: 200, height: 220 });
    expect(bob.cover.photoUrl).toMatch(
      /^https:\/\/testbucket\.oss-cn-shanghai\.aliyuncs\.com\/photos\/bob-\d\.jpg\?/,
    );
    expect(bob.cover.photoUrl).toContain('Signature=');
    expect(bob.cover.photoUrl).toContain('security-token=');
    expect(decodeURIComponent(bob.cover.faceUrl)).toContain(
      'x-oss-process=image/auto-orient,1/crop,x_80,y_36,w_280,h_308/resize,m_fill,w_160,h_160',
    );
    expect(r.json.nextCursor).toBeNull();
    const q = fake.requestsFor('QueryFigureClusters').at(-1)!;
    expect(q.query).toMatchObject({ Sort: 'ImageCount', Order: 'desc', MaxResults: '50' });
  });

  it('pages with an opaque cursor', async () => {
    const first = await call('GET', '/people?limit=1&sort=imageCount&order=asc');
    expect(first.json.items).toHaveLength(1);
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const second = await call(
      'GET',
      `/people?limit=1&sort=imageCount&order=asc&cursor=${first.json.nextCursor}`,
    );
    expect(second.json.items).toHaveLength(1);
    expect(second.json.items[0].id).not.toBe(first.json.items[0].id);
    expect(second.json.nextCursor).toBeNull();
    expect((await call('GET', '/people?cursor=garbage')).status).toBe(400);
  });

  it('gets one person, 404 for an unknown one', async () => {
    const ids = await peopleByIdentity();
    const r = await call('GET', `/people/${ids.alice}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: ids.alice, imageCount: 3 });
    const missing = await call('GET', '/people/Cluster-does-not-exist');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('not_found');
  });

  it("lists a person's photos with faces, paging through SimpleQuery", async () => {
    const ids = await peopleByIdentity();
    const p1 = await call('GET', `/people/${ids.bob}/photos?limit=3`);
    expect(p1.status).toBe(200);
    expect(p1.json.items).toHaveLength(3);
    const p2 = await call('GET', `/people/${ids.bob}/photos?limit=3&cursor=${p1.json.nextCursor}`);
    expect(p2.json.items).toHaveLength(1);
    expect(p2.json.nextCursor).toBeNull();
    const keys = [...p1.json.items, ...p2.json.items].map((p: any) => p.key).sort();
    expect(keys).toEqual(['photos/bob-1.jpg', 'photos/bob-2.jpg', 'photos/bob-3.jpg', 'photos/bob-4.jpg']);
    const photo = p1.json.items[0];
    expect(photo).toMatchObject({ width: 1200, height: 900 });
    expect(photo.faces[0]).toMatchObject({
      personId: ids.bob,
      clusterable: true,
      quality: 0.95,
      headPose: { yaw: 5, pitch: 2, roll: -1 },
      gender: 'male',
    });
    expect(photo.faces[0].faceUrl).toContain('Signature=');
    // Photos are the person's files outside the frames of videos (docs/videos-cloud.md).
    const photoQueries = fake
      .requestsFor('SimpleQuery')
      .map((r) => JSON.parse(r.query.Query ?? 'null'))
      .filter((q) => q?.Operation === 'and' && q.SubQueries[1]?.Operation === 'not');
    expect(photoQueries.at(-1)).toEqual({
      Operation: 'and',
      SubQueries: [
        { Field: 'Figures.FigureClusterId', Operation: 'eq', Value: ids.bob },
        {
          Operation: 'not',
          SubQueries: [{ Field: 'URI', Operation: 'prefix', Value: 'oss://testbucket/.album-frames/' }],
        },
      ],
    });
    expect((await call('GET', '/people/Cluster-nope/photos')).status).toBe(404);
  });

  it('renames, hides and labels a person through CustomLabels; hidden filters follow', async () => {
    const ids = await peopleByIdentity();
    const r = await call('PATCH', `/people/${ids.alice}`, {
      body: { name: 'Alice', hidden: true, labels: { team: 'blue' } },
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: ids.alice, name: 'Alice', hidden: true, labels: { team: 'blue' } });
    const stored = fake.state.dataset('album_p', 'album_d').clusters.get(ids.alice!)!;
    expect(stored.Name).toBe('Alice');
    expect(stored.CustomLabels).toEqual({ team: 'blue', 'album.hidden': 'true' });
    const update = fake.requestsFor('UpdateFigureCluster').at(-1)!;
    expect(JSON.parse(update.query.FigureCluster!)).toMatchObject({
      ObjectId: ids.alice,
      MetaLockVersion: 0,
    });

    expect((await call('GET', '/people')).json.items.map((p: any) => p.id)).toEqual([ids.bob]);
    const only = await call('GET', '/people?hidden=only');
    expect(only.json.items.map((p: any) => p.id)).toEqual([ids.alice]);
    expect(fake.requestsFor('QueryFigureClusters').at(-1)!.query.CustomLabels).toBe('album.hidden=true');
    expect((await call('GET', '/people?hidden=include')).json.items).toHaveLength(2);

    const back = await call('PATCH', `/people/${ids.alice}`, { body: { hidden: false } });
    expect(back.json).toMatchObject({ hidden: false, name: 'Alice', labels: { team: 'blue' } });
    expect(fake.state.dataset('album_p', 'album_d').clusters.get(ids.alice!)!.CustomLabels).toEqual({
      team: 'blue',
    });
  });

  it('rejects bad patches (400) and unknown people (404)', async () => {
    const ids = await peopleByIdentity();
    expect((await call('PATCH', `/people/${ids.bob}`, { body: {} })).status).toBe(400);
    expect(
      (await call('PATCH', `/people/${ids.bob}`, { body: { labels: { 'bad key!': 'x' } } })).status,
    ).toBe(400);
    expect((await call('PATCH', `/people/${ids.bob}`, { body: { color: 'red' } })).status).toBe(400);
    expect((await call('PATCH', '/people/Cluster-missing', { body: { name: 'x' } })).status).toBe(404);
  });

  it('merges people through a merging task and reports the task', async () => {
    await upload('erin', 3);
    await upload('erin2', 3);
    expect((await clusterer(timerEvent(), fcContext())).outcome).toBe('succeeded');
    const ids = await peopleByIdentity();
    const r = await call('POST', '/people/merge', { body: { from: [ids.erin2], into: ids.erin } });
    expect(r.status).toBe(202);
    expect(r.json.task).toMatchObject({ type: 'merge', status: 'running' });
    const create = fake.requestsFor('CreateFigureClustersMergingTask').at(-1)!;
    expect(create.query).toMatchObject({ To: ids.erin, From: ids.erin2 });
    expect(create.query.Froms).toBeUndefined();

    let task = r.json.task;
    for (let i = 0; i < 50 && task.status === 'running'; i++) {
      await new Promise((res) => setTimeout(res, 20));
      task = (await call('GET', `/tasks/${task.id}`)).json;
    }
    expect(task.status).toBe('succeeded');
    // Found by the tag the album gave it, never by a guessed merging TaskType.
    const lookup = fake.requestsFor('ListTasks').at(-1)!;
    expect(lookup.query.TagSelector).toMatch(/^album_merge=[0-9a-f-]{36}$/);
    expect(JSON.parse(create.query.Tags!)).toMatchObject({
      album_merge: lookup.query.TagSelector!.slice(12),
    });
    expect(fake.requestsFor('GetTask').filter((g) => g.query.TaskType !== 'FaceClustering')).toEqual([]);
    const merged = await call('GET', `/people/${ids.erin}`);
    expect(merged.json.imageCount).toBe(6);
    // The merged-away id leads to the kept person (the album's merge record on the kept cluster).
    const gone = await call('GET', `/people/${ids.erin2}`);
    expect(gone.status).toBe(200);
    expect(gone.json.id).toBe(ids.erin);
  });

  it('404s unknown people before any merge task starts', async () => {
    const ids = await peopleByIdentity();
    const tasks = fake.requestsFor('CreateFigureClustersMergingTask').length;
    const bad = await call('POST', '/people/merge', {
      body: { from: ['Cluster-x', 'Cluster-y'], into: ids.bob },
    });
    expect(bad.status).toBe(404);
    expect(bad.json.error.message).toContain('Cluster-x');
    expect(fake.requestsFor('CreateFigureClustersMergingTask')).toHaveLength(tasks);
    expect((await call('POST', '/people/merge', { body: { from: [ids.bob], into: ids.bob } })).status).toBe(
      400,
    );
  });

  it('404s unknown or foreign task ids', async () => {
    expect((await call('GET', '/tasks/not-a-task')).status).toBe(404);
    const foreign = Buffer.from(JSON.stringify({ t: 'merge', i: 'FigureClustersMerging-unknown' })).toString(
      'base64url',
    );
    expect((await call('GET', `/tasks/${foreign}`)).status).toBe(404);
  });
});

describe('API handler: photos, detect, stats', () => {
  it('returns one photo with faces by key or uri, 404 when not indexed', async () => {
    const byKey = await call('GET', '/photos/faces?uri=photos/carol-1.jpg');
    expect(byKey.status).toBe(200);
    expect(byKey.json).toMatchObject({
      uri: 'oss://testbucket/photos/carol-1.jpg',
      key: 'photos/carol-1.jpg',
    });
    expect(byKey.json.faces[0].personId).toBeNull(); // one photo is not enough for a person
    const byUri = await call(
      'GET',
      `/photos/faces?uri=${encodeURIComponent('oss://testbucket/photos/carol-1.jpg')}`,
    );
    expect(byUri.json.uri).toBe('oss://testbucket/photos/carol-1.jpg');
    expect((await call('GET', '/photos/faces?uri=photos/nope.jpg')).status).toBe(404);
  });

  it('detects faces of a stored photo; uploads need the local backend', async () => {
    const r = await call('POST', '/detect', { body: { uri: 'photos/alice-1.jpg' } });
    expect(r.status).toBe(200);
    expect(r.json.faces).toHaveLength(1);
    expect(r.json.faces[0]).toMatchObject({
      personId: null,
      clusterable: true,
      box: { left: 120, top: 80, width: 200, height: 220 },
    });
    expect(fake.requestsFor('DetectImageFaces').at(-1)!.query).toEqual({
      ProjectName: 'album_p',
      SourceURI: 'oss://testbucket/photos/alice-1.jpg',
    });
    const upload = await call('POST', '/detect', {
      rawBody: Buffer.from([0xff, 0xd8, 0xff]),
      contentType: 'image/jpeg',
    });
    expect(upload.status).toBe(400);
    expect(upload.json.error.message).toContain('upload the photo to OSS');
  });

  it('reports stats from the dataset and the newest clustering task', async () => {
    const r = await call('GET', '/stats');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      backend: 'imm',
      photoCount: fake.state.dataset('album_p', 'album_d').files.size,
      faceCount: null,
    });
    expect(r.json.personCount).toBe(fake.state.dataset('album_p', 'album_d').clusters.size);
    expect(r.json.lastClustering).toMatchObject({ type: 'clustering', status: 'succeeded' });
  });
});

describe('API handler: upstream failures and logs', () => {
  it('answers 502 when IMM keeps failing and 429 when it keeps throttling', async () => {
    fake.failNext('QueryFigureClusters', 100, { status: 503, code: 'ServiceUnavailable' });
    const r = await call('GET', '/people');
    expect(r.status).toBe(502);
    expect(r.json.error.code).toBe('upstream_error');
    fake.clearFaults();
    fake.failNext('QueryFigureClusters', 100);
    const t = await call('GET', '/people');
    expect(t.status).toBe(429);
    expect(t.headers['retry-after']).toBeDefined();
  });

  it('never logs signed URLs or credentials', async () => {
    const ids = await peopleByIdentity();
    const r = await call('GET', `/people/${ids.bob}/photos`);
    expect(r.body).toContain('Signature=');
    fake.failNext('GetFigureCluster', 100, { status: 503 });
    await call('GET', `/people/${ids.bob}`);
    const raw = logs.raw();
    expect(raw).toContain('http.request');
    expect(raw).not.toMatch(/Signature=|security-token=|OSSAccessKeyId=/);
    expect(raw).not.toContain('TestAccessKeySecretValue');
    expect(raw).not.toContain('CAIS.test-security-token');
    expect(raw).not.toContain(KEY);
  });
});
