/**
 * scripts/smoke.ts: refuses to run without configuration (naming what is missing), and against a
 * loopback stand-in for FC's 2023-03-30 invoke API and the album API it passes or fails per check.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../scripts/build';
import { runSmoke } from '../scripts/smoke';

const run = promisify(execFile);
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const KEY = 'smoke-key-0123456789abcdef';

async function smokeProcess(env: Record<string, string>): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TSX, 'scripts/smoke.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 60_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

describe('smoke without configuration', () => {
  it('exits non-zero and names every missing variable', async () => {
    const r = await smokeProcess({});
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(
      'smoke: missing environment variables: ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALBUM_API_URL, ALBUM_API_KEY',
    );
  });

  it('names only what is still missing', async () => {
    const lines: string[] = [];
    const code = await runSmoke(
      { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's', ALBUM_API_URL: '  ' },
      (l) => lines.push(l),
    );
    expect(code).toBe(2);
    expect(lines[0]).toBe('smoke: missing environment variables: ALBUM_API_URL, ALBUM_API_KEY');
  });
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('smoke against loopback stand-ins', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  const behaviour = { fcError: false, openPeople: false, clusterOk: true };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(value));
        };
        const url = new URL(req.url ?? '/', 'http://x');
        if (
          url.pathname === '/2023-03-30/functions/face-album-clusterer/invocations' &&
          req.method === 'POST'
        ) {
          if (behaviour.fcError)
            return json(
              200,
              { errorMessage: 'boom', errorType: 'Error' },
              { 'x-fc-error-type': 'UnhandledInvocationError' },
            );
          return json(
            200,
            behaviour.clusterOk
              ? { ok: true, outcome: 'skipped', taskId: null }
              : { ok: false, error: 'dataset missing' },
          );
        }
        if (url.pathname === '/health') return json(200, { ok: true, backend: 'imm' });
        if (url.pathname === '/people') {
          if (!behaviour.openPeople && req.headers.authorization !== `Bearer ${KEY}`)
            return json(401, { error: { code: 'unauthorized' } });
          return json(200, { items: [{ id: 'Cluster-1' }], nextCursor: null });
        }
        json(404, { error: 'no route' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
    Object.assign(behaviour, { fcError: false, openPeople: false, clusterOk: true });
  });

  const env = () => ({
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'FAKEID',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'FAKESECRET',
    ALBUM_API_URL: `${base}/`,
    ALBUM_API_KEY: KEY,
    FC_ENDPOINT: base,
    ALBUM_REGION: 'cn-shanghai',
  });

  it('passes when every check passes, invoking the clusterer over FC API 2023-03-30', async () => {
    const lines: string[] = [];
    expect(await runSmoke(env(), (l) => lines.push(l))).toBe(0);
    expect(lines.filter((l) => l.startsWith('PASS'))).toHaveLength(4);
    const invoke = seen.find((s) => s.url.startsWith('/2023-03-30/'))!;
    expect(invoke.method).toBe('POST');
    expect(invoke.headers['x-fc-invocation-type']).toBe('Sync');
    expect(String(invoke.headers.authorization)).toMatch(/FAKEID/);
    expect(JSON.parse(invoke.body)).toMatchObject({ triggerName: 'smoke' });
    // The deployer's secret is sent only as a signature, and the API key only to the API.
    expect(seen.every((s) => !JSON.stringify(s.headers).includes('FAKESECRET'))).toBe(true);
    expect(lines.join('\n')).not.toContain(KEY);
  });

  it('fails when the API answers without the bearer key', async () => {
    behaviour.openPeople = true;
    const lines: string[] = [];
    expect(await runSmoke(env(), (l) => lines.push(l))).toBe(1);
    expect(lines.find((l) => l.includes('without key'))).toMatch(/^FAIL.*expected 401, got 200/);
  });

  it('fails when the clusterer raises a function error or reports failure', async () => {
    behaviour.fcError = true;
    const lines: string[] = [];
    expect(await runSmoke(env(), (l) => lines.push(l))).toBe(1);
    expect(lines.find((l) => l.includes('invoke'))).toMatch(/^FAIL.*UnhandledInvocationError/);
    behaviour.fcError = false;
    behaviour.clusterOk = false;
    const again: string[] = [];
    expect(await runSmoke(env(), (l) => again.push(l))).toBe(1);
    expect(again.find((l) => l.includes('invoke'))).toMatch(/^FAIL.*dataset missing/);
  });
});
