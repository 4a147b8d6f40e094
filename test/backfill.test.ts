import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../scripts/build';
import { classifyPhotoKey } from '../src/album/photo-filter';
import { main } from '../src/backfill/backfill-cli';
import { runBackfill } from '../src/backfill/backfill-run';
import { CheckpointFile, zeroCounts } from '../src/backfill/checkpoint';
import { createLogger } from '../src/log/logger';
import { type FakeImm, goodFace, startFakeImm } from './fake-imm/fake-imm';
import { type FakeOss, startFakeOss } from './fake-oss/fake-oss';

/**
 * `npm run backfill` against a fake OSS (ListObjectsV2 XML) and a fake IMM on 127.0.0.1, both
 * failing a share of their calls: it must index exactly the photos, in batches, at a bounded
 * rate, survive kill -9, and reconcile what is gone.
 */
const BUCKET = 'photo-bucket';
const ODD = [
  'my photo',
  '家庭/照片 1',
  'a+b',
  '100%',
  'x&y<z>',
  'emoji 😀',
  "it's",
  'deep/er/and/deeper/p',
  'tab\there',
];

function bucketKeys(): string[] {
  const keys: string[] = [];
  for (let i = 0; i < 2400; i++) {
    const odd = ODD[i % ODD.length]!;
    const ext = ['jpg', 'JPG', 'jpeg', 'png', 'heic', 'webp'][i % 6]!;
    keys.push(`photos/${String(i).padStart(4, '0')} ${odd}.${ext}`);
  }
  for (let i = 0; i < 300; i++)
    keys.push(['photos/notes-%d.txt', 'photos/dir-%d/', 'photos/noext-%d'][i % 3]!.replace('%d', String(i)));
  for (let i = 0; i < 300; i++) keys.push([`other/${i}.jpg`, `photosX/${i}.jpg`, `${i}.jpg`][i % 3]!);
  return keys;
}
const ALL = bucketKeys();
const PHOTOS = ALL.filter((k) => classifyPhotoKey(k, 'photos/').accept);

let oss: FakeOss;
let imm: FakeImm;
let work: string;
const lines: string[] = [];

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI.deployer',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'deployer-secret',
    ALBUM_BUCKET: BUCKET,
    PHOTO_PREFIX: 'photos/',
    IMM_PROJECT: 'album_p',
    IMM_DATASET: 'album_d',
    IMM_REGION: 'cn-shanghai',
    IMM_ENDPOINT: imm.endpoint,
    OSS_ENDPOINT: oss.endpoint,
    IMM_RETRY_BASE_MS: '2',
    IMM_RETRY_MAX_MS: '10',
    IMM_RETRY_MAX_ATTEMPTS: '8',
    ...extra,
  };
}

const run = (args: string[], extra: Record<string, string> = {}) =>
  main([...args, '--progress', 'lines', '--checkpoint', path.join(work, 'cp.json'), '--outage-wait', '5'], {
    env: env(extra),
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
    tty: false,
    cwd: work,
  });

const files = () => imm.state.dataset('album_p', 'album_d').files;
const indexedKeys = () =>
  [...files().keys()]
    .filter((u) => u.startsWith(`oss://${BUCKET}/`))
    .map((u) => u.slice(`oss://${BUCKET}/`.length));
const okBatches = () => imm.requestsFor('BatchIndexFileMeta').filter((r) => r.status === 200);
const sorted = (a: string[]) => [...a].sort();

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'face-album-backfill-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeEach(async () => {
  oss = await startFakeOss(BUCKET, ALL);
  imm = await startFakeImm({ project: 'album_p', dataset: 'album_d' });
  lines.length = 0;
  rmSync(path.join(work, 'cp.json'), { force: true });
});
afterEach(async () => {
  await oss.close();
  await imm.close();
});

describe('npm run backfill', () => {
  it('indexes exactly the photos, ≤100 a call, through 30 % IMM faults and flaky listing', async () => {
    imm.randomFaults({ rate: 0.3, seed: 3 });
    oss.randomFaults({ rate: 0.2, seed: 5 });
    const code = await run(['--rate', '100', '--page-size', '500']);
    expect(code, lines.join('\n')).toBe(0);
    expect(sorted(indexedKeys())).toEqual(sorted(PHOTOS));
    // Every kind of fault was really injected, and none was taken for an argument error.
    expect(Object.keys(imm.injected).sort()).toEqual([
      'flow-control-message',
      'reset',
      'server-error',
      'throttling',
    ]);
    const sizes = okBatches().map((r) => (r.params!.Files as unknown[]).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(PHOTOS.length);
    expect(okBatches()).toHaveLength(
      Math.ceil(500 / 100) * Math.floor(PHOTOS.length / 500) + Math.ceil((PHOTOS.length % 500) / 100),
    );
    expect(imm.requestsFor('IndexFileMeta')).toHaveLength(0);
    const last = lines.at(-1)!;
    expect(last).toMatch(
      new RegExp(
        `^backfill done: listed ${ALL.filter((k) => k.startsWith('photos/')).length}, photos ${PHOTOS.length}, indexed ${PHOTOS.length}, skipped 300, failed 0, removed 0`,
      ),
    );
    expect(existsSync(path.join(work, 'cp.json'))).toBe(false);
    // The listing used continuation tokens and URL-encoded keys.
    expect(oss.requests.some((r) => r.query['continuation-token'])).toBe(true);
    expect(
      oss.requests.filter((r) => r.method === 'GET').every((r) => r.query['encoding-type'] === 'url'),
    ).toBe(true);
  }, 60_000);

  it('analyses the videos in the bucket once: frames captured and indexed, a rerun starts no new task', async () => {
    const clip = 'photos/clips/beach day.mov';
    oss.keys.add(clip);
    imm.seedVideo(`oss://${BUCKET}/${clip}`, {
      duration: 6,
      appearances: [{ from: 0, to: 6, figure: goodFace('zoe') }],
    });
    imm.onObjectWritten((uri) => oss.keys.add(uri.replace(`oss://${BUCKET}/`, '')));
    expect(await run(['--rate', '100', '--page-size', '1000']), lines.join('\n')).toBe(0);
    const frames = indexedKeys().filter((k) => k.startsWith('.album-frames/'));
    expect(sorted(frames)).toEqual(
      ['000001000', '000003000', '000005000'].map((t) => `.album-frames/${clip}/${t}.jpg`),
    );
    // The video is analysed, never indexed as a file of its own; the frames are not listed as photos.
    expect(indexedKeys()).not.toContain(clip);
    expect(sorted(indexedKeys().filter((k) => !k.startsWith('.album-frames/')))).toEqual(sorted(PHOTOS));
    expect(imm.requestsFor('CreateMediaConvertTask')).toHaveLength(1);
    expect(await run(['--rate', '100', '--page-size', '1000', '--restart']), lines.join('\n')).toBe(0);
    expect(imm.requestsFor('CreateMediaConvertTask')).toHaveLength(1);
    // The video is deleted while no event reaches the indexer: reconcile removes its frames, entries and objects.
    oss.keys.delete(clip);
    expect(await run(['--rate', '100', '--page-size', '1000', '--reconcile']), lines.join('\n')).toBe(0);
    expect(indexedKeys().filter((k) => k.startsWith('.album-frames/'))).toEqual([]);
    expect([...oss.keys].filter((k) => k.startsWith('.album-frames/'))).toEqual([]);
    expect(sorted(indexedKeys())).toEqual(sorted(PHOTOS));
  }, 60_000);

  it('stays under the configured IMM call rate', async () => {
    const code = await run(['--rate', '20', '--batch-size', '50', '--concurrency', '8'], {});
    expect(code).toBe(0);
    const times = imm.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(times.length).toBe(Math.ceil(PHOTOS.length / 50));
    // In any 1-second window at most 20 calls (+1 for the window edge).
    let worst = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 1000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(21);
    expect((times.at(-1)! - times[0]!) / 1000).toBeGreaterThanOrEqual((times.length - 1) / 20 - 0.1);
  }, 60_000);

  it('survives kill -9 and resumes from its checkpoint; a second full run is harmless', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/backfill.ts',
        '--rate',
        '25',
        '--batch-size',
        '20',
        '--page-size',
        '200',
        '--progress',
        'lines',
        '--checkpoint',
        path.join(work, 'cp.json'),
      ],
      { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let childOut = '';
    child.stdout.on('data', (d) => (childOut += d));
    child.stderr.on('data', (d) => (childOut += d));
    // Kill it mid-run: after a few pages are checkpointed.
    const deadline = Date.now() + 30_000;
    while (okBatches().length < 35 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(okBatches().length, childOut).toBeGreaterThanOrEqual(35);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const cp = new CheckpointFile(path.join(work, 'cp.json')).load();
    expect(cp, childOut).not.toBeNull();
    expect(cp!.listToken).not.toBeNull();
    const before = indexedKeys().length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(PHOTOS.length);

    const listsBefore = oss.listCalls();
    expect(await run(['--rate', '100', '--batch-size', '20', '--page-size', '200'])).toBe(0);
    expect(lines.at(-1)).toContain('backfill done (resumed from checkpoint)');
    expect(sorted(indexedKeys())).toEqual(sorted(PHOTOS));
    // Resumed: the first listing call of the rerun continues from the saved token (no counting pass).
    expect(oss.requests[listsBefore]!.query['continuation-token']).toBe(cp!.listToken);
    // At most one page (10 batches of 20) is done twice.
    expect(okBatches().length).toBeLessThanOrEqual(Math.ceil(PHOTOS.length / 20) + 10);

    lines.length = 0;
    expect(await run(['--rate', '100'])).toBe(0);
    expect(files().size).toBe(PHOTOS.length);
    expect(lines.at(-1)).toMatch(/^backfill done: /);
  }, 90_000);

  it('--dry-run prints the plan and changes nothing', async () => {
    expect(await run(['--dry-run', '--reconcile'])).toBe(0);
    expect(imm.requestsFor('BatchIndexFileMeta')).toHaveLength(0);
    expect(imm.requestsFor('BatchDeleteFileMeta')).toHaveLength(0);
    expect(lines).toContain(
      `dry run: would index ${PHOTOS.length} photos of ${ALL.filter((k) => k.startsWith('photos/')).length} objects under oss://${BUCKET}/photos/ into album_p/album_d`,
    );
    expect(lines).toContain(
      `dry run: in ${Math.ceil(PHOTOS.length / 100)} BatchIndexFileMeta calls of up to 100 photos`,
    );
    expect(lines.at(-1)).toMatch(/^backfill dry-run: /);
    expect(existsSync(path.join(work, 'cp.json'))).toBe(false);
  });

  it('--reconcile removes dataset photos whose object is gone, and only those', async () => {
    expect(await run([])).toBe(0);
    // A run of 160 neighbours (removing them while paging by offset would skip entries) and a sparse few.
    const byUri = sorted(PHOTOS);
    const gone = byUri.filter((_, i) => (i >= 300 && i < 460) || i % 97 === 0);
    for (const k of gone) oss.keys.delete(k);
    // Files of another bucket and outside the prefix are not the reconcile's business.
    imm.state.indexFiles(imm.state.dataset('album_p', 'album_d'), [
      { URI: 'oss://other-bucket/photos/a.jpg' },
      { URI: `oss://${BUCKET}/elsewhere/b.jpg` },
    ]);
    lines.length = 0;
    imm.randomFaults({ rate: 0.3, seed: 11 });
    expect(await run(['--reconcile', '--rate', '100'])).toBe(0);
    expect(sorted(indexedKeys().filter((k) => k.startsWith('photos/')))).toEqual(
      sorted(PHOTOS.filter((k) => !gone.includes(k))),
    );
    expect(files().has('oss://other-bucket/photos/a.jpg')).toBe(true);
    expect(files().has(`oss://${BUCKET}/elsewhere/b.jpg`)).toBe(true);
    expect(lines.at(-1)).toContain(`removed ${gone.length}`);
    const query = imm.requestsFor('SimpleQuery').find((r) => r.status === 200)!;
    expect(JSON.parse(query.query.Query!)).toEqual({
      Field: 'URI',
      Operation: 'prefix',
      Value: `oss://${BUCKET}/photos/`,
    });
  }, 60_000);

  it('never removes a photo uploaded after the listing (re-checked with HeadObject)', async () => {
    const uri = (k: string) => `oss://${BUCKET}/${k}`;
    const dir = mkdtempSync(path.join(work, 'race-'));
    const sink = { removed: [] as string[] };
    const result = await runBackfill(
      {
        // The listing misses "late.jpg" (uploaded after it), but HeadObject finds it.
        bucket: {
          listPage: async () => ({ keys: ['photos/kept.jpg'], nextToken: null }),
          exists: async (k) => k === 'photos/late.jpg',
        },
        dataset: {
          listPage: async () => ({
            uris: [uri('photos/kept.jpg'), uri('photos/late.jpg'), uri('photos/deleted.jpg')],
            nextToken: null,
          }),
        },
        sink: {
          indexPhotos: async (uris) => uris.map((u) => ({ uri: u, action: 'index', outcome: 'submitted' })),
          removePhotos: async (uris) => {
            sink.removed.push(...uris);
            return uris.map((u) => ({ uri: u, action: 'remove', outcome: 'done' }));
          },
        },
        checkpoint: new CheckpointFile(path.join(dir, 'cp.json')),
        log: createLogger({ write: () => undefined }),
      },
      {
        bucket: BUCKET,
        prefix: 'photos/',
        project: 'p',
        dataset: 'd',
        batchSize: 100,
        concurrency: 1,
        pageSize: 1000,
        dryRun: false,
        reconcile: true,
        restart: false,
        outageWaitMs: 0,
      },
      { phase: () => undefined, progress: () => undefined, plan: () => undefined },
    );
    expect(sink.removed).toEqual([uri('photos/deleted.jpg')]);
    expect(result.counts).toEqual({ ...zeroCounts(), listed: 1, photos: 1, indexed: 1, removed: 1 });
  });

  it('Ctrl-C stops at a page boundary with the checkpoint kept; the rerun finishes the rest', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `photos/${String(i).padStart(2, '0')}.jpg`);
    const indexed: string[] = [];
    const abort = new AbortController();
    const dir = mkdtempSync(path.join(work, 'abort-'));
    const deps = {
      bucket: {
        listPage: async (_p: string, token: string | null, max: number) => {
          const from = token ? Number(token) : 0;
          const next = from + max < keys.length ? String(from + max) : null;
          return { keys: keys.slice(from, from + max), nextToken: next };
        },
        exists: async () => true,
      },
      dataset: { listPage: async () => ({ uris: [], nextToken: null }) },
      sink: {
        indexPhotos: async (uris: string[]) => {
          indexed.push(...uris);
          return uris.map((u) => ({ uri: u, action: 'index' as const, outcome: 'submitted' as const }));
        },
        removePhotos: async () => [],
      },
      checkpoint: new CheckpointFile(path.join(dir, 'cp.json')),
      log: createLogger({ write: () => undefined }),
    };
    const opts = {
      bucket: BUCKET,
      prefix: 'photos/',
      project: 'p',
      dataset: 'd',
      batchSize: 5,
      concurrency: 1,
      pageSize: 10,
      dryRun: false,
      reconcile: false,
      restart: false,
      outageWaitMs: 0,
    };
    const quiet = { phase: () => undefined, plan: () => undefined };
    const first = await runBackfill(
      deps,
      { ...opts, signal: abort.signal },
      { ...quiet, progress: (c) => (c.indexed >= 20 ? abort.abort() : undefined) },
    );
    expect(first.outcome).toBe('interrupted');
    expect(indexed).toHaveLength(20);
    expect(deps.checkpoint.load()).toMatchObject({ listToken: '20', total: 50 });
    const second = await runBackfill(deps, opts, { ...quiet, progress: () => undefined });
    expect(second).toMatchObject({ outcome: 'done', resumed: true, counts: { indexed: 50, photos: 50 } });
    expect(sorted(indexed)).toEqual(sorted(keys.map((k) => `oss://${BUCKET}/${k}`)));
    expect(deps.checkpoint.load()).toBeNull();
  });

  it('waits through an IMM outage longer than one call budget, then finishes', async () => {
    // 8 failed calls = 4 batches × 2 client attempts each, twice over: longer than one call's budget.
    imm.failNext('BatchIndexFileMeta', 16, { status: 503, code: 'ServiceUnavailable' });
    expect(await run(['--rate', '100'], { IMM_RETRY_MAX_ATTEMPTS: '2' })).toBe(0);
    expect(sorted(indexedKeys())).toEqual(sorted(PHOTOS));
    expect(lines.some((l) => l.includes('"event":"backfill.waiting"'))).toBe(true);
  }, 60_000);

  it('stops with exit code 1 and a resumable checkpoint when IMM stays down', async () => {
    imm.failNext('BatchIndexFileMeta', 100_000, { status: 503, code: 'ServiceUnavailable' });
    const code = await main(
      [
        '--progress',
        'lines',
        '--checkpoint',
        path.join(work, 'cp.json'),
        '--outage-wait',
        '1',
        '--page-size',
        '1000',
      ],
      {
        env: env({ IMM_RETRY_MAX_ATTEMPTS: '2' }),
        out: (l) => lines.push(l),
        err: (l) => lines.push(l),
        tty: false,
        cwd: work,
      },
    );
    expect(code).toBe(1);
    expect(lines.at(-1)).toMatch(/^backfill failed: IMM is unavailable.*run it again to resume/);
    const cp = JSON.parse(readFileSync(path.join(work, 'cp.json'), 'utf8'));
    expect(cp).toMatchObject({ phase: 'index', listToken: null, total: PHOTOS.length });
  }, 30_000);

  it('exits 2 with a clear message on bad configuration', async () => {
    expect(await run([], { ALBUM_BUCKET: '' })).toBe(2);
    expect(lines.join('\n')).toContain('ALBUM_BUCKET');
    lines.length = 0;
    expect(await run([], { ALIBABA_CLOUD_ACCESS_KEY_ID: '' })).toBe(2);
    expect(lines.join('\n')).toContain('ALIBABA_CLOUD_ACCESS_KEY_ID');
    lines.length = 0;
    expect(await run(['--batch-size', '500'])).toBe(2);
  });
});
