/**
 * `npm run backfill` with LIBRARY_MODE=prefix against a fake OSS and a fake IMM on 127.0.0.1: each photo
 * lands in its library's dataset, keys of no library are skipped with a line, --library limits the run,
 * and --reconcile walks every library's dataset.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/backfill/backfill-cli';
import { type FakeImm, startFakeImm } from './fake-imm/fake-imm';
import { type FakeOss, startFakeOss } from './fake-oss/fake-oss';

const BUCKET = 'photo-bucket';
const LIBRARY_KEYS = [
  ...Array.from({ length: 150 }, (_, i) => `photos/alice/${String(i).padStart(3, '0')}.jpg`),
  ...Array.from({ length: 30 }, (_, i) => `photos/bob/trip/${i}.png`),
  'photos/Carol_2/x.jpeg',
];
const STRAY = [
  'photos/stray.jpg',
  'photos/has space/x.jpg',
  `photos/${'l'.repeat(65)}/x.jpg`,
  'photos/a.b/x.jpg',
];
const OTHER = ['photos/alice/notes.txt', 'other/x.jpg'];

let oss: FakeOss;
let imm: FakeImm;
let work: string;
const out: string[] = [];

const run = (args: string[], extra: Record<string, string> = {}) =>
  main([...args, '--progress', 'lines', '--rate', '100', '--checkpoint', path.join(work, 'cp.json')], {
    env: {
      PATH: process.env.PATH,
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI.deployer',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'deployer-secret',
      ALBUM_BUCKET: BUCKET,
      PHOTO_PREFIX: 'photos/',
      LIBRARY_MODE: 'prefix',
      IMM_PROJECT: 'album_p',
      IMM_DATASET: 'album_d',
      IMM_REGION: 'cn-shanghai',
      IMM_ENDPOINT: imm.endpoint,
      OSS_ENDPOINT: oss.endpoint,
      IMM_RETRY_BASE_MS: '2',
      IMM_RETRY_MAX_MS: '10',
      LOG_LEVEL: 'warn',
      ...extra,
    },
    out: (l) => out.push(l),
    err: (l) => out.push(l),
    tty: false,
    cwd: work,
  });

const keysIn = (dataset: string) =>
  [...imm.state.dataset('album_p', dataset).files.keys()]
    .map((u) => u.slice(`oss://${BUCKET}/`.length))
    .sort();
const datasets = () => [...imm.state.datasets.keys()].sort();

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'face-album-backfill-libs-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeEach(async () => {
  oss = await startFakeOss(BUCKET, [...LIBRARY_KEYS, ...STRAY, ...OTHER]);
  imm = await startFakeImm({ project: 'album_p' });
  out.length = 0;
  rmSync(path.join(work, 'cp.json'), { force: true });
});
afterEach(async () => {
  await oss.close();
  await imm.close();
});

describe('npm run backfill, LIBRARY_MODE=prefix', () => {
  it("indexes every library's photos into its own dataset and skips keys of no library, each with a line", async () => {
    const code = await run([]);
    expect(code, out.join('\n')).toBe(0);
    expect(datasets()).toEqual(['album_p/album_d-Carol_2', 'album_p/album_d-alice', 'album_p/album_d-bob']);
    expect(keysIn('album_d-alice')).toEqual(LIBRARY_KEYS.filter((k) => k.startsWith('photos/alice/')).sort());
    expect(keysIn('album_d-bob')).toEqual(LIBRARY_KEYS.filter((k) => k.startsWith('photos/bob/')).sort());
    expect(keysIn('album_d-Carol_2')).toEqual(['photos/Carol_2/x.jpeg']);
    for (const r of imm.requestsFor('CreateDataset').filter((q) => q.status === 200))
      expect(r.params?.TemplateId).toBe('Official:FaceManagement');
    // Each successful batch went to the dataset of the library of every photo in it.
    for (const r of imm.requestsFor('BatchIndexFileMeta').filter((q) => q.status === 200)) {
      const lib = String(r.params?.DatasetName).replace('album_d-', '');
      for (const f of (r.params?.Files ?? []) as { URI: string }[])
        expect(f.URI).toMatch(new RegExp(`^oss://${BUCKET}/photos/${lib}/`));
    }
    const skipped = out.filter((l) => l.includes('"backfill.skipped"')).map((l) => JSON.parse(l));
    expect(skipped.map((l) => l.key).sort()).toEqual([...STRAY].sort());
    expect(skipped.every((l) => typeof l.reason === 'string' && l.reason.length > 0)).toBe(true);
    expect(out.at(-1)).toMatch(
      new RegExp(
        `^backfill done: listed ${LIBRARY_KEYS.length + STRAY.length + 1}, photos ${LIBRARY_KEYS.length}, indexed ${LIBRARY_KEYS.length}, skipped ${STRAY.length + 1},`,
      ),
    );
  });

  it('--library limits the run to one library and its dataset', async () => {
    const code = await run(['--library', 'bob']);
    expect(code, out.join('\n')).toBe(0);
    expect(datasets()).toEqual(['album_p/album_d-bob']);
    expect(keysIn('album_d-bob')).toHaveLength(30);
    expect(
      imm.requests.every(
        (r) => r.params?.DatasetName === undefined || r.params.DatasetName === 'album_d-bob',
      ),
    ).toBe(true);
  });

  it('refuses an invalid --library, and --library without prefix mode (exit 2)', async () => {
    expect(await run(['--library', '../x'])).toBe(2);
    expect(out.join('\n')).toMatch(/--library "\.\.\/x": library name/);
    out.length = 0;
    expect(await run(['--library', 'bob'], { LIBRARY_MODE: 'single' })).toBe(2);
    expect(out.join('\n')).toMatch(/--library needs LIBRARY_MODE=prefix/);
    expect(imm.requests).toHaveLength(0);
  });

  it("--reconcile walks every library's dataset and removes only what is gone", async () => {
    expect(await run([]), out.join('\n')).toBe(0);
    oss.keys.delete('photos/alice/007.jpg');
    oss.keys.delete('photos/bob/trip/3.png');
    out.length = 0;
    const code = await run(['--reconcile', '--restart']);
    expect(code, out.join('\n')).toBe(0);
    expect(keysIn('album_d-alice')).toHaveLength(149);
    expect(keysIn('album_d-alice')).not.toContain('photos/alice/007.jpg');
    expect(keysIn('album_d-bob')).toHaveLength(29);
    expect(keysIn('album_d-Carol_2')).toEqual(['photos/Carol_2/x.jpeg']);
    expect(out.at(-1)).toMatch(/removed 2/);
  });
});
