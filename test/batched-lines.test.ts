/**
 * Log lines written once per event-loop turn (log/batched-lines): in order, none lost on exit, and the
 * real `face-album start` still writes one JSON line per request, with the request id it answered with.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchedLines } from '../src/log/batched-lines';
import { waitFor } from './support/wait-for';

const ROOT = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'fa-batched-lines-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const nextTurn = () => new Promise((r) => setImmediate(r));

function fakeProcess() {
  return new EventEmitter() as EventEmitter & Pick<NodeJS.Process, 'on' | 'off'>;
}

describe('batchedLines', () => {
  it('writes the lines of one turn as one write, in order, after the turn', async () => {
    const writes: string[] = [];
    const lines = batchedLines({ write: (c) => writes.push(c) }, { exitOf: fakeProcess() });
    lines.write('a');
    lines.write('b');
    lines.write('c');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n']);
    lines.write('d');
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
    lines.close();
  });

  it('writes at once when the queue reaches its bound', () => {
    const writes: string[] = [];
    const lines = batchedLines({ write: (c) => writes.push(c) }, { maxPending: 10, exitOf: fakeProcess() });
    lines.write('12345');
    expect(writes).toEqual([]);
    lines.write('67890');
    expect(writes).toEqual(['12345\n67890\n']);
    lines.close();
  });

  it('writes what is queued when the process exits, and stops listening once closed', () => {
    const writes: string[] = [];
    const proc = fakeProcess();
    const lines = batchedLines({ write: (c) => writes.push(c) }, { exitOf: proc });
    lines.write('last words');
    proc.emit('exit', 0);
    expect(writes).toEqual(['last words\n']);
    lines.close();
    expect(proc.listenerCount('exit')).toBe(0);
  });

  it('loses no line when a real process exits in the turn it logged them', async () => {
    const script = join(work, 'exit-now.mts');
    writeFileSync(
      script,
      [
        `import { batchedLines } from ${JSON.stringify(join(ROOT, 'src/log/batched-lines.ts'))};`,
        'const lines = batchedLines(process.stdout);',
        'for (let i = 0; i < 5000; i++) lines.write(JSON.stringify({ n: i }));',
        'process.exit(3);',
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx/esm', script], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise((r) => child.once('close', r));
    expect(code).toBe(3);
    const got = out.trimEnd().split('\n');
    expect(got).toHaveLength(5000);
    expect(got.map((l) => (JSON.parse(l) as { n: number }).n)).toEqual(
      Array.from({ length: 5000 }, (_, i) => i),
    );
  });
});

describe('face-album start logs every request', () => {
  it('writes one http.request line per request with its request id, all of them by the time it stopped', async () => {
    const photos = join(work, 'photos');
    mkdirSync(photos, { recursive: true });
    const logFile = join(work, 'start.log');
    const out = openSync(logFile, 'w');
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/face-album.cjs'),
        'start',
        '--photos',
        photos,
        '--data',
        join(work, 'data'),
        '--port',
        '0',
      ],
      { stdio: ['ignore', out, out], env: { ...process.env, LOG_LEVEL: 'info', FACE_ALBUM_WORKERS: '1' } },
    );
    try {
      const url = await waitFor(
        'the album to start',
        () => /"event":"album\.started","url":"([^"]+)"/.exec(readFileSync(logFile, 'utf8'))?.[1],
        { timeoutMs: 60_000 },
      );
      const ids: string[] = [];
      // Concurrent requests, so several are logged in one turn.
      for (let round = 0; round < 5; round++) {
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, i) => fetch(`${url}${i % 2 ? '/health' : '/people?limit=5'}`)),
        );
        for (const a of answers) {
          expect(a.status).toBe(200);
          await a.arrayBuffer();
          ids.push(a.headers.get('x-request-id')!);
        }
      }
      child.kill('SIGTERM');
      expect(await new Promise((r) => child.once('exit', r))).toBe(0);
      const logged = readFileSync(logFile, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; requestId?: string; status?: number })
        .filter((r) => r.event === 'http.request');
      expect(logged).toHaveLength(100);
      expect(new Set(logged.map((r) => r.requestId))).toEqual(new Set(ids));
      expect(logged.every((r) => r.status === 200)).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
