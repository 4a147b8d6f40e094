import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeImm, goodFace, startFakeImm } from './fake-imm/fake-imm';
import { captureLogs, fcContext, immEnv, immFunctions, ossEvent, setEnv } from './fake-imm/fc-events';

let fake: FakeImm;
let restoreEnv: () => void;
const logs = captureLogs();
const { indexer: handler } = immFunctions(logs.log);

beforeAll(async () => {
  fake = await startFakeImm({ project: 'album_p', dataset: 'album_d' });
  restoreEnv = setEnv(immEnv(fake.endpoint));
});
afterAll(async () => {
  restoreEnv();
  await fake.close();
});
beforeEach(() => {
  logs.clear();
  fake.clearFaults();
});

const dataset = () => fake.state.dataset('album_p', 'album_d');
const sentUris = (r: { params: Record<string, unknown> | null }) =>
  ((r.params?.Files ?? []) as { URI: string }[]).map((f) => f.URI);

describe('indexer handler (OSS trigger → IMM)', () => {
  it('indexes keys with spaces, Chinese, + and % exactly, in one BatchIndexFileMeta call', async () => {
    const keys = ['photos/my photo.jpg', 'photos/家庭/照片 1.JPG', 'photos/a+b.jpeg', 'photos/100%.png'];
    const before = fake.requestsFor('BatchIndexFileMeta').length;
    const res = await handler(ossEvent(keys.map((key) => ({ key }))), fcContext());
    expect(res.ok).toBe(true);
    const calls = fake.requestsFor('BatchIndexFileMeta').slice(before);
    expect(calls).toHaveLength(1);
    expect(sentUris(calls[0]!).sort()).toEqual(keys.map((k) => `oss://testbucket/${k}`).sort());
    for (const k of keys) expect(dataset().files.has(`oss://testbucket/${k}`)).toBe(true);
    expect(res.outcomes?.every((o) => o.outcome === 'submitted')).toBe(true);
    // the raw query carries the key as JSON, unmangled
    expect(calls[0]!.query.Files).toContain('家庭/照片 1.JPG');
  });

  it('decodes URL-encoded keys in auto mode', async () => {
    const res = await handler(ossEvent([{ key: 'photos/my%20photo%202.jpg' }]), fcContext());
    expect(res.ok).toBe(true);
    expect(dataset().files.has('oss://testbucket/photos/my photo 2.jpg')).toBe(true);
  });

  it('removes deleted objects with BatchDeleteFileMeta; repeated delivery is harmless', async () => {
    await handler(ossEvent([{ key: 'photos/gone.jpg' }]), fcContext());
    expect(dataset().files.has('oss://testbucket/photos/gone.jpg')).toBe(true);
    const del = ossEvent([{ key: 'photos/gone.jpg', removed: true }]);
    const first = await handler(del, fcContext());
    const second = await handler(del, fcContext());
    expect(first).toEqual({
      ok: true,
      outcomes: [{ uri: 'oss://testbucket/photos/gone.jpg', action: 'remove', outcome: 'done' }],
    });
    expect(second.ok).toBe(true);
    expect(dataset().files.has('oss://testbucket/photos/gone.jpg')).toBe(false);
    const last = fake.requestsFor('BatchDeleteFileMeta').at(-1)!;
    expect(last.query.URIs).toBe('["oss://testbucket/photos/gone.jpg"]');
  });

  it('indexes the same upload twice without duplicates', async () => {
    const put = ossEvent([{ key: 'photos/twice.jpg' }]);
    await handler(put, fcContext());
    const countAfterFirst = dataset().files.size;
    const again = await handler(put, fcContext());
    expect(again.ok).toBe(true);
    expect(dataset().files.size).toBe(countAfterFirst);
  });

  it('skips non-images and keys outside the prefix without calling IMM', async () => {
    const before = fake.requests.length;
    const res = await handler(
      ossEvent([
        { key: 'photos/notes.txt' },
        { key: 'other/x.jpg' },
        { key: 'photos/folder/' },
        { key: 'photos/noext' },
      ]),
      fcContext(),
    );
    expect(res).toEqual({ ok: true, outcomes: [] });
    expect(fake.requests.length).toBe(before);
    const skipped = logs.events('photo.skipped');
    expect(skipped.map((l) => l.key)).toEqual([
      'photos/notes.txt',
      'other/x.jpg',
      'photos/folder/',
      'photos/noext',
    ]);
    expect(skipped[1]!.reason).toContain('outside PHOTO_PREFIX');
  });

  it('batches mixed created/removed events of one invocation into one call each', async () => {
    const before = fake.requests.length;
    const res = await handler(
      ossEvent([
        { key: 'photos/b1.jpg' },
        { key: 'photos/b2.jpg' },
        { key: 'photos/b3.png' },
        { key: 'photos/old1.jpg', removed: true },
        { key: 'photos/old2.jpg', removed: true },
      ]),
      fcContext(),
    );
    expect(res.ok).toBe(true);
    const calls = fake.requests.slice(before);
    expect(calls.map((c) => c.action).sort()).toEqual(['BatchDeleteFileMeta', 'BatchIndexFileMeta']);
  });

  it('handles a malformed event with one clear error log and no throw', async () => {
    for (const payload of [
      Buffer.from('not json'),
      Buffer.from('{"events":[{"eventName":"ObjectCreated:PutObject"}]}'),
      Buffer.from('{"events":[]}'),
    ]) {
      logs.clear();
      const res = await handler(payload, fcContext());
      expect(res.ok).toBe(false);
      expect(res.error).toMatch(/OSS event/);
      const errors = logs.lines().filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]!.event).toBe('invocation.rejected');
    }
  });

  it('retries IMM throttling inside the invocation and then succeeds', async () => {
    fake.failNext('BatchIndexFileMeta', 2);
    const before = fake.requestsFor('BatchIndexFileMeta').length;
    const res = await handler(ossEvent([{ key: 'photos/throttled.jpg' }]), fcContext());
    expect(res.ok).toBe(true);
    expect(
      fake
        .requestsFor('BatchIndexFileMeta')
        .slice(before)
        .map((r) => r.status),
    ).toEqual([400, 400, 200]);
    expect(logs.events('imm.retry')).toHaveLength(2);
  });

  it('throws on persistent 503 so FC retries the event', async () => {
    fake.failNext('BatchIndexFileMeta', 100, {
      status: 503,
      code: 'ServiceUnavailable',
      message: 'The service is unavailable.',
    });
    await expect(handler(ossEvent([{ key: 'photos/unlucky.jpg' }]), fcContext())).rejects.toMatchObject({
      code: 'upstream_error',
    });
    const retry = logs.events('invocation.retry');
    expect(retry).toHaveLength(1);
    expect(JSON.stringify(retry[0])).toContain('ServiceUnavailable');
    expect(dataset().files.has('oss://testbucket/photos/unlucky.jpg')).toBe(false);
  });

  it('falls back to one call per photo when IMM rejects a batch, losing no good photo', async () => {
    const res = await handler(
      ossEvent([
        { key: 'photos/good1.jpg' },
        { key: 'photos/bad.jpg', bucket: 'Bad_Bucket' },
        { key: 'photos/good2.jpg' },
      ]),
      fcContext(),
    );
    expect(res.ok).toBe(true);
    const byUri = Object.fromEntries(res.outcomes!.map((o) => [o.uri, o.outcome]));
    expect(byUri).toEqual({
      'oss://testbucket/photos/good1.jpg': 'submitted',
      'oss://Bad_Bucket/photos/bad.jpg': 'rejected',
      'oss://testbucket/photos/good2.jpg': 'submitted',
    });
    expect(dataset().files.has('oss://testbucket/photos/good1.jpg')).toBe(true);
    expect(dataset().files.has('oss://testbucket/photos/good2.jpg')).toBe(true);
  });

  it('stores the seeded faces of indexed photos (what later clustering sees)', async () => {
    fake.seedFaces('oss://testbucket/photos/face.jpg', [goodFace('zoe')]);
    await handler(ossEvent([{ key: 'photos/face.jpg' }]), fcContext());
    const file = dataset().files.get('oss://testbucket/photos/face.jpg')!;
    expect(file.Figures).toHaveLength(1);
    expect(file.Figures![0]!.FigureClusterId).toBe('figure-cluster-id-unavailable');
    expect(file.Figures![0]).not.toHaveProperty('identity');
  });

  it('ignores a bad setting only the api reads (ALBUM_API_KEY too short) and indexes', async () => {
    process.env.ALBUM_API_KEY = 'short';
    try {
      const res = await handler(ossEvent([{ key: 'photos/apikey.jpg' }]), fcContext());
      expect(res.ok).toBe(true);
      expect(dataset().files.has('oss://testbucket/photos/apikey.jpg')).toBe(true);
    } finally {
      delete process.env.ALBUM_API_KEY;
    }
  });

  it('throws on a bad setting it reads, so FC retries and then keeps the event', async () => {
    process.env.IMM_RETRY_MAX_ATTEMPTS = 'many';
    try {
      await expect(handler(ossEvent([{ key: 'photos/badsetting.jpg' }]), fcContext())).rejects.toThrow(
        /invalid configuration: IMM_RETRY_MAX_ATTEMPTS/,
      );
      expect(logs.events('invocation.retry')).toHaveLength(1);
      expect(dataset().files.has('oss://testbucket/photos/badsetting.jpg')).toBe(false);
    } finally {
      delete process.env.IMM_RETRY_MAX_ATTEMPTS;
    }
    // Fixed setting, FC's retry of the same event: indexed.
    const retry = await handler(ossEvent([{ key: 'photos/badsetting.jpg' }]), fcContext());
    expect(retry.ok).toBe(true);
    expect(dataset().files.has('oss://testbucket/photos/badsetting.jpg')).toBe(true);
  });

  it('throws when the dataset is missing and auto-create is off, so the event is kept', async () => {
    process.env.IMM_DATASET = 'no_such_dataset';
    try {
      await expect(handler(ossEvent([{ key: 'photos/nodataset.jpg' }]), fcContext())).rejects.toThrow(
        /IMM dataset "no_such_dataset" does not exist in project "album_p"/,
      );
      await expect(
        handler(ossEvent([{ key: 'photos/nodataset.jpg', removed: true }]), fcContext()),
      ).rejects.toThrow(/does not exist/);
    } finally {
      process.env.IMM_DATASET = 'album_d';
    }
    expect(fake.state.datasets.has('album_p/no_such_dataset')).toBe(false);
  });

  it('writes one metric line per invocation: events, indexed, removed, skipped, rejected, retried', async () => {
    fake.failNext('BatchIndexFileMeta', 2);
    await handler(
      ossEvent([
        { key: 'photos/m1.jpg' },
        { key: 'photos/m2.jpg' },
        { key: 'photos/readme.txt' },
        { key: 'photos/m0.jpg', removed: true },
      ]),
      fcContext(),
    );
    const metrics = logs.events('indexer.metrics');
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({
      events: 4,
      indexed: 2,
      removed: 1,
      skipped: 1,
      rejected: 0,
      retried: 2,
      requestId: expect.any(String),
    });
    // The retry lines carry the invocation's request id too.
    expect(logs.events('imm.retry').every((l) => l.requestId === metrics[0]!.requestId)).toBe(true);
  });

  it('uses the STS credentials of the FC context and never logs them', async () => {
    await handler(ossEvent([{ key: 'photos/creds.jpg' }]), fcContext());
    const r = fake.requestsFor('BatchIndexFileMeta').at(-1)!;
    expect(String(r.headers.authorization)).toContain('Credential=STS.NTestAccessKeyId');
    expect(r.headers['x-acs-security-token']).toBe('CAIS.test-security-token');
    expect(logs.raw()).not.toContain('TestAccessKeySecretValue');
    expect(logs.raw()).not.toContain('CAIS.test-security-token');
  });
});
