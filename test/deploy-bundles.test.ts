/**
 * The deployable bundles (scripts/build.ts): the native/ML guard, and the built code itself run
 * the way FC runs it — a fresh `node` loading dist/<fn>/index.js from a folder with no
 * node_modules anywhere above it — against the fake IMM server on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BundlePolicyError,
  type BundleReport,
  buildFunctions,
  FUNCTIONS,
  type FunctionName,
  policyViolations,
  ROOT,
  trimDependencies,
} from '../scripts/build';
import { type FakeImm, goodFace, startFakeImm } from './fake-imm/fake-imm';
import { fcContext, httpEvent, immEnv, ossEvent, timerEvent } from './fake-imm/fc-events';

const run = promisify(execFile);
const KEY = 'bundle-test-key-0123456789';
const MARK = '@@RESULT@@';

let outRoot: string;
let deployed: string;
let reports: BundleReport[];
let fake: FakeImm;

/** Invokes a deployed bundle's handler in a fresh process; logs stay on stdout, the result follows MARK. */
async function invoke(
  fn: FunctionName,
  event: Buffer,
  env: Record<string, string>,
): Promise<{ result: any; logs: string }> {
  const file = path.join(deployed, fn, 'index.js');
  const script =
    `const m=require(${JSON.stringify(file)});` +
    `m.handler(Buffer.from(process.argv[1],'base64'),JSON.parse(process.argv[2]))` +
    `.then(r=>process.stdout.write('\\n${MARK}'+JSON.stringify(r)+'\\n'),e=>{process.stdout.write('\\n${MARK}'+JSON.stringify({thrown:String(e&&e.message||e)})+'\\n')});`;
  const { stdout } = await run(
    process.execPath,
    ['-e', script, event.toString('base64'), JSON.stringify(fcContext({ region: 'cn-shanghai' }))],
    {
      cwd: deployed,
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 60_000,
    },
  );
  const at = stdout.lastIndexOf(MARK);
  if (at < 0) throw new Error(`no result from ${fn}:\n${stdout}`);
  return { result: JSON.parse(stdout.slice(at + MARK.length).trim()), logs: stdout.slice(0, at) };
}

function meta(inputs: string[], externals: string[] = []): Metafile {
  return {
    inputs: Object.fromEntries(
      inputs.map((p, i) => [
        p,
        {
          bytes: 1,
          imports:
            i === 0 ? externals.map((e) => ({ path: e, kind: 'require-call' as const, external: true })) : [],
        },
      ]),
    ),
    outputs: {},
  };
}

beforeAll(async () => {
  outRoot = mkdtempSync(path.join(tmpdir(), 'face-album-build-'));
  reports = await buildFunctions({ outRoot });
  // What FC receives: the folder alone. tmpdir has no node_modules above it.
  deployed = mkdtempSync(path.join(tmpdir(), 'face-album-deployed-'));
  for (const fn of FUNCTIONS) cpSync(path.join(outRoot, fn), path.join(deployed, fn), { recursive: true });
  fake = await startFakeImm({ project: 'album_p', dataset: 'album_d' });
}, 180_000);

afterAll(async () => {
  await fake?.close();
  rmSync(outRoot, { recursive: true, force: true });
  rmSync(deployed, { recursive: true, force: true });
});

describe('bundle policy', () => {
  it('rejects native and ML packages and .node files', () => {
    expect(policyViolations(meta(['src/a.ts', 'node_modules/sharp/lib/index.js']))).toEqual([
      expect.stringContaining('sharp'),
    ]);
    expect(policyViolations(meta(['node_modules/@tensorflow/tfjs-core/dist/index.js']))).toHaveLength(1);
    expect(policyViolations(meta(['node_modules/@vladmandic/human/dist/human.node.js']))).toHaveLength(1);
    expect(policyViolations(meta(['node_modules/onnxruntime-node/dist/index.js']))).toHaveLength(1);
    expect(
      policyViolations(
        meta(['node_modules/hnswlib-node/lib/index.js', 'node_modules/better-sqlite3/lib/index.js']),
      ),
    ).toHaveLength(2);
    expect(policyViolations(meta(['node_modules/foo/build/Release/foo.node']))).toEqual([
      expect.stringContaining('native addon'),
    ]);
  });

  it('rejects imports left for node_modules at run time, but not node builtins', () => {
    expect(policyViolations(meta(['src/a.ts'], ['node:fs', 'crypto', 'graceful-fs']))).toEqual([]);
    expect(policyViolations(meta(['src/a.ts'], ['left-pad']))).toEqual([
      expect.stringContaining('left-pad from src/a.ts'),
    ]);
  });

  it('fails a build whose function reaches a native module', async () => {
    const reachNative = {
      name: 'reach-native',
      setup(b: import('esbuild').PluginBuild) {
        b.onResolve({ filter: /imm\/imm-runtime$/ }, () => ({ path: 'native-runtime', namespace: 'test' }));
        b.onLoad({ filter: /.*/, namespace: 'test' }, () => ({
          resolveDir: path.resolve('.'),
          loader: 'js',
          contents: `import Database from 'better-sqlite3'; export const createImmRuntimeFactory = () => () => new Database(':memory:');`,
        }));
      },
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'face-album-bad-build-'));
    try {
      await expect(
        buildFunctions({ functions: ['api'], outRoot: dir, plugins: [reachNative] }),
      ).rejects.toThrow(BundlePolicyError);
      await expect(
        buildFunctions({ functions: ['api'], outRoot: dir, plugins: [reachNative] }),
      ).rejects.toThrow(/better-sqlite3/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the iconv-lite replacement still decodes non-UTF-8 bodies (GBK) like urllib needs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'face-album-iconv-'));
    try {
      const out = path.join(dir, 'probe.cjs');
      await build({
        stdin: {
          contents: `const iconv = require('iconv-lite'); process.stdout.write(iconv.decode(Buffer.from([0xc4,0xe3,0xba,0xc3]), 'GBK'));`,
          resolveDir: ROOT,
        },
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: out,
        plugins: [trimDependencies],
        logLevel: 'error',
      });
      const { stdout } = await run(process.execPath, [out]);
      expect(stdout).toBe('你好');
      expect(statSync(out).size).toBeLessThan(5_000); // the CJK tables stayed out
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds the three functions with no native or ML input', () => {
    expect(reports.map((r) => r.name)).toEqual([...FUNCTIONS]);
    for (const r of reports) expect(r.bytes).toBeGreaterThan(10_000);
  });
});

describe('bundles run alone, as on FC', () => {
  const env = () => immEnv(fake.endpoint, { ALBUM_API_KEY: KEY });

  it('api: /health answers without the key', async () => {
    const { result } = await invoke('api', httpEvent('GET', '/health'), env());
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ ok: true, backend: 'imm' });
  });

  it('api: serves the People page and its assets from the bundle alone, without the key', async () => {
    const { result } = await invoke('api', httpEvent('GET', '/'), env());
    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toMatch(/^text\/html/);
    const html = Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8').toString();
    const assets = [...html.matchAll(/(?:href|src)="(assets\/app\.[0-9a-f]+\.(?:js|css))"/g)].map(
      (m) => m[1]!,
    );
    expect(assets).toHaveLength(2);
    let bytes = 0;
    for (const asset of assets) {
      const got = await invoke('api', httpEvent('GET', `/${asset}`), env());
      expect(got.result.statusCode).toBe(200);
      expect(got.result.headers['cache-control']).toContain('immutable');
      bytes += Buffer.from(got.result.body, got.result.isBase64Encoded ? 'base64' : 'utf8').length;
    }
    expect(bytes).toBeLessThanOrEqual(120 * 1024);
    // The indexer never serves the page (its bundle carries none of it).
    const indexer = readFileSync(path.join(deployed, 'indexer', 'index.js'), 'utf8');
    expect(indexer).not.toContain(assets[0]!);
  });

  it('indexer: an OSS event becomes a BatchIndexFileMeta call on IMM', async () => {
    fake.seedFaces('oss://testbucket/photos/bundle-1.jpg', [goodFace('dora')], {
      ImageWidth: 1200,
      ImageHeight: 900,
    });
    const before = fake.requestsFor('BatchIndexFileMeta').length;
    const { result } = await invoke(
      'indexer',
      ossEvent([{ key: 'photos/bundle-1.jpg' }, { key: 'notes/skip.txt' }]),
      env(),
    );
    expect(result.ok).toBe(true);
    expect(result.outcomes).toEqual([
      { uri: 'oss://testbucket/photos/bundle-1.jpg', action: 'index', outcome: 'submitted' },
    ]);
    expect(fake.requestsFor('BatchIndexFileMeta').length).toBe(before + 1);
  });

  it('clusterer: a timer event runs a clustering pass', async () => {
    const { result } = await invoke('clusterer', timerEvent(), env());
    expect(result.ok).toBe(true);
    expect(['succeeded', 'skipped', 'running']).toContain(result.outcome);
  });

  it('api: /people needs the bearer key and then lists from IMM', async () => {
    const denied = await invoke('api', httpEvent('GET', '/people', { query: { limit: '5' } }), env());
    expect(denied.result.statusCode).toBe(401);
    const ok = await invoke(
      'api',
      httpEvent('GET', '/people', { query: { limit: '5' }, headers: { authorization: `Bearer ${KEY}` } }),
      env(),
    );
    expect(ok.result.statusCode).toBe(200);
    expect(JSON.parse(ok.result.body)).toMatchObject({ items: expect.any(Array) });
  });

  it('api: signs OSS URLs for a photo and its face crops (ali-oss, loaded on first use)', async () => {
    const { result } = await invoke(
      'api',
      httpEvent('GET', '/photos/faces', {
        query: { uri: 'photos/bundle-1.jpg' },
        headers: { authorization: `Bearer ${KEY}` },
      }),
      env(),
    );
    expect(result.statusCode).toBe(200);
    const photo = JSON.parse(result.body);
    expect(photo.photoUrl).toMatch(
      /^https:\/\/testbucket\.oss-cn-shanghai\.aliyuncs\.com\/photos\/bundle-1\.jpg\?.*Signature=/,
    );
    expect(photo.faces).toHaveLength(1);
    expect(decodeURIComponent(photo.faces[0].faceUrl)).toContain('x-oss-process=image/auto-orient,1/crop,');
  });

  it('a malformed event is rejected as final, not thrown for retry', async () => {
    const { result } = await invoke('indexer', Buffer.from('{"not":"an oss event"}'), env());
    expect(result).toMatchObject({ ok: false, error: expect.any(String) });
  });
});
