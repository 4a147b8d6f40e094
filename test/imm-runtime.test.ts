import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../src/config/env-parse';
import { createImmRuntimeFactory } from '../src/imm/imm-runtime';
import { OssMediaLinks } from '../src/imm/oss-media-links';
import { type FakeImm, startFakeImm } from './fake-imm/fake-imm';
import { captureLogs, immEnv, setEnv } from './fake-imm/fc-events';

let fake: FakeImm;
let restore: () => void;
const ctx = (accessKeyId: string, securityToken: string) => ({
  requestId: 'r',
  region: 'cn-shanghai',
  credentials: { accessKeyId, accessKeySecret: 'secret', securityToken },
  function: { timeout: 30 },
});

beforeAll(async () => {
  fake = await startFakeImm({ project: 'album_p', dataset: 'album_d' });
  restore = setEnv(immEnv(fake.endpoint));
});
afterAll(async () => {
  restore();
  await fake.close();
});

const logs = captureLogs();
const immRuntime = createImmRuntimeFactory({ fn: 'api', log: logs.log });
const indexerRuntime = createImmRuntimeFactory({ fn: 'indexer', log: logs.log });
const clustererRuntime = createImmRuntimeFactory({ fn: 'clusterer', log: logs.log });

describe('IMM runtime factory', () => {
  it('signs with the current STS keys, picking up a rotation on the next invocation', async () => {
    const a = await immRuntime(ctx('STS.a', 't1'));
    await a.service!.stats();
    expect(String(fake.requests.at(-1)!.headers['x-acs-security-token'])).toBe('t1');
    const c = await immRuntime(ctx('STS.a', 't2'));
    expect(a.service!.backend.kind).toBe('imm');
    await c.service!.stats();
    expect(String(fake.requests.at(-1)!.headers['x-acs-security-token'])).toBe('t2');
  });

  it("bounds each invocation's IMM calls by that invocation's deadline, not the latest one", async () => {
    // A 1 s function keeps half its time (500 ms) for IMM; a 60 s one keeps 55 s. Both are built before
    // either calls IMM, as overlapping invocations would be: neither may change the other's bound.
    const short = await immRuntime({ ...ctx('STS.d', 't'), function: { timeout: 1 } });
    const long = await immRuntime({ ...ctx('STS.d', 't'), function: { timeout: 60 } });
    fake.failNext('GetDataset', 1, { delayMs: 1_500 });
    const started = Date.now();
    await expect(short.service!.stats()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_400);
    fake.failNext('GetDataset', 1, { delayMs: 1_500 });
    await expect(long.service!.stats()).resolves.toMatchObject({ backend: 'imm' });
  });

  it('falls back to the ALIBABA_CLOUD_* environment credentials', async () => {
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = 'LTAI.env';
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = 'env-secret';
    try {
      const rt = await immRuntime({ requestId: 'r' });
      await rt.service!.stats();
      expect(String(fake.requests.at(-1)!.headers.authorization)).toContain('Credential=LTAI.env');
    } finally {
      delete process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
      delete process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
    }
  });

  it('fails with a ConfigError when no credentials exist', () => {
    expect(() => immRuntime({ requestId: 'r' })).toThrow(ConfigError);
  });

  it('reads OSS_KEY_ENCODING (indexer) and rejects bad values', async () => {
    expect((await indexerRuntime(ctx('STS.k', 't'))).keyEncoding).toBe('auto');
    process.env.OSS_KEY_ENCODING = 'raw';
    expect((await indexerRuntime(ctx('STS.k', 't'))).keyEncoding).toBe('raw');
    process.env.OSS_KEY_ENCODING = 'bogus';
    expect(() => indexerRuntime(ctx('STS.k', 't'))).toThrow(/OSS_KEY_ENCODING/);
    // The api does not read it, so a bad value there is not its problem.
    expect((await immRuntime(ctx('STS.k', 't'))).keyEncoding).toBe('auto');
    delete process.env.OSS_KEY_ENCODING;
  });

  it('each function validates only the settings it reads', async () => {
    process.env.ALBUM_API_KEY = '';
    try {
      // Empty is not "no key": the deployed API would be open.
      expect(() => immRuntime(ctx('STS.e', 't'))).toThrow(/ALBUM_API_KEY/);
    } finally {
      delete process.env.ALBUM_API_KEY;
    }
    process.env.ALBUM_API_KEY = 'short';
    try {
      expect(() => immRuntime(ctx('STS.v', 't'))).toThrow(/ALBUM_API_KEY/);
      expect((await indexerRuntime(ctx('STS.v', 't'))).service!.backend.kind).toBe('imm');
      expect((await clustererRuntime(ctx('STS.v', 't'))).service!.backend.kind).toBe('imm');
    } finally {
      delete process.env.ALBUM_API_KEY;
    }
    const bucket = process.env.ALBUM_BUCKET;
    delete process.env.ALBUM_BUCKET;
    try {
      expect(() => immRuntime(ctx('STS.b', 't'))).toThrow(/ALBUM_BUCKET/);
      expect((await indexerRuntime(ctx('STS.b', 't'))).service!.backend.kind).toBe('imm');
    } finally {
      process.env.ALBUM_BUCKET = bucket;
    }
    process.env.CLUSTER_WAIT_SECONDS = '-1';
    try {
      expect(() => clustererRuntime(ctx('STS.w', 't'))).toThrow(/CLUSTER_WAIT_SECONDS/);
      expect((await indexerRuntime(ctx('STS.w', 't'))).service!.backend.kind).toBe('imm');
    } finally {
      delete process.env.CLUSTER_WAIT_SECONDS;
    }
  });
});

describe('OssMediaLinks', () => {
  const creds = { accessKeyId: 'STS.key', accessKeySecret: 'sk', securityToken: 'tok' };
  it('signs HTTPS public-endpoint URLs that expire after urlExpiresSeconds', () => {
    const media = new OssMediaLinks({
      region: 'cn-hangzhou',
      bucket: 'my-photos',
      credentials: creds,
      expiresSeconds: 600,
    });
    const url = new URL(media.photoUrl('oss://my-photos/photos/a b/照片.jpg'));
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('my-photos.oss-cn-hangzhou.aliyuncs.com');
    expect(decodeURIComponent(url.pathname)).toBe('/photos/a b/照片.jpg');
    expect(url.searchParams.get('security-token')).toBe('tok');
    expect(url.searchParams.get('OSSAccessKeyId')).toBe('STS.key');
    const expires = Number(url.searchParams.get('Expires'));
    // Rounded up to the minute so repeated listings give the same URL (browser cache hits).
    expect(expires % 60).toBe(0);
    expect(expires - Date.now() / 1000).toBeGreaterThanOrEqual(599);
    expect(expires - Date.now() / 1000).toBeLessThanOrEqual(661);
    expect(media.photoUrl('oss://my-photos/photos/a b/照片.jpg')).toBe(url.href);
    const maxAge = Number(url.searchParams.get('response-cache-control')?.match(/max-age=(\d+)/)?.[1]);
    expect(maxAge).toBe(600);
    const face = new URL(
      media.faceUrl('oss://my-photos/photos/a.jpg', { left: 10, top: 10, width: 100, height: 100 }),
    );
    expect(face.searchParams.get('x-oss-process')).toBe(
      'image/auto-orient,1/crop,x_0,y_0,w_130,h_130/resize,m_fill,w_160,h_160',
    );
  });
  it('keeps the rounded expiry when a second ticks over between its clock and ali-oss’s', () => {
    const media = new OssMediaLinks({
      region: 'cn-hangzhou',
      bucket: 'b',
      credentials: creds,
      expiresSeconds: 600,
    });
    // Our clock reads x.999 s; by the time ali-oss reads it, the next second has begun.
    const base = Date.UTC(2026, 11, 1, 23, 58, 59, 999);
    let calls = 0;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => (calls++ < 2 ? base : base + 2));
    try {
      const expires = Number(new URL(media.photoUrl('oss://my-photos/a.jpg')).searchParams.get('Expires'));
      expect(expires % 60).toBe(0);
    } finally {
      clock.mockRestore();
    }
  });

  it('honours OSS_ENDPOINT and other buckets in the uri', () => {
    const media = new OssMediaLinks({
      region: 'cn-hangzhou',
      bucket: 'my-photos',
      credentials: creds,
      expiresSeconds: 60,
      endpoint: 'https://img.example.com',
    });
    expect(media.photoUrl('oss://other-bucket/x.jpg')).toMatch(
      /^https:\/\/other-bucket\.img\.example\.com\/x\.jpg\?/,
    );
  });
});
