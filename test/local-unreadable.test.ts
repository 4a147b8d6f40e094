/**
 * A photo the album may not read (mode 0600, the album running as another user) is refused once with a
 * reason, listed by `status`, counted in /stats, and retried only when the file changes; /detect on it
 * answers 403 naming the problem. The CLI runs as another user (nobody) when the test runs as root,
 * since root reads every file; only that file is in the folder, so no engine starts.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'face-album.cjs');
const FACE = join(ROOT, '../shared/datasets/faces-dev/George_W_Bush/1.jpg');
const asRoot = process.getuid?.() === 0;
const other = asRoot ? { uid: 65534, gid: 65534 } : {};

const dir = mkdtempSync(join(tmpdir(), 'fa-unread-'));
chmodSync(dir, 0o755);
const photos = join(dir, 'photos');
const data = join(dir, 'data');
mkdirSync(photos);
mkdirSync(data);
if (asRoot) chownSync(data, 65534, 65534);
copyFileSync(FACE, join(photos, 'locked.jpg'));
chmodSync(join(photos, 'locked.jpg'), asRoot ? 0o600 : 0o000);
// A folder the album may not list: its photos cannot be seen, so the walk says so.
mkdirSync(join(photos, 'private'), { mode: 0o700 });
if (!asRoot) chmodSync(join(photos, 'private'), 0o000);
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FACE_ALBUM_'))),
  FACE_ALBUM_WORKERS: '1',
  FACE_ALBUM_LOG_FORMAT: 'json',
  HOME: dir,
};
let server: ChildProcess | undefined;
afterAll(() => {
  server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[]) =>
  new Promise<{ lines: Record<string, any>[]; stdout: string; all: string }>((done, fail) =>
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env, ...other }, (err, stdout, stderr) =>
      err
        ? fail(new Error(`${err.message}\n${stderr}`))
        : done({
            stdout,
            all: `${stdout}\n${stderr}`,
            lines: `${stdout}\n${stderr}`
              .split('\n')
              .filter((l) => l.startsWith('{"'))
              .map((l) => JSON.parse(l)),
          }),
    ),
  );
const scan = () => cli(['scan', photos, '--data', data]);

it('an unreadable photo is refused once with a reason, and again only once it changes', async () => {
  const first = await scan();
  expect(first.lines.filter((l) => l.level === 'error')).toEqual([]);
  expect(first.lines.filter((l) => l.event === 'photo.index')).toMatchObject([
    { level: 'warn', outcome: 'rejected', reason: expect.stringMatching(/^unreadable: .*permission/) },
  ]);
  expect(first.all).toContain('1 rejected');
  expect(first.lines.filter((l) => l.event === 'folder.unreadable_dir')).toMatchObject([{ key: 'private' }]);

  const second = await scan();
  const loud = second.lines.filter((l) => l.level === 'error' || l.level === 'warn');
  expect(loud.filter((l) => l.event !== 'folder.unreadable_dir')).toEqual([]);
  expect(second.all).toContain('0 rejected');

  const status = JSON.parse((await cli(['status', '--photos', photos, '--data', data])).stdout);
  expect(status.rejected).toEqual({
    count: 1,
    files: [{ path: 'locked.jpg', reason: 'unreadable', message: expect.stringContaining('permission') }],
  });
  expect(status.pending).toEqual({ toIndex: 0, toRemove: 0 });

  utimesSync(join(photos, 'locked.jpg'), new Date(), new Date(Date.now() + 5000));
  const third = await scan();
  expect(third.all).toContain('1 rejected');
}, 120_000);

it('/detect on an unreadable photo answers 403 naming the problem; /stats counts the refusal', async () => {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  server = spawn(
    process.execPath,
    [BIN, 'start', '--photos', photos, '--data', data, '--port', String(port)],
    {
      cwd: dir,
      env,
      ...other,
    },
  );
  let out = '';
  server.stdout!.on('data', (b) => {
    out += b;
  });
  server.stderr!.on('data', (b) => {
    out += b;
  });
  const started = Date.now();
  while (!out.includes('"album.started"')) {
    if (Date.now() - started > 60_000 || server.exitCode !== null) throw new Error(`no start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const base = `http://127.0.0.1:${port}`;
  const res = await fetch(`${base}/detect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uri: 'locked.jpg' }),
  });
  const body = await res.json();
  expect(res.status).toBe(403);
  expect(body.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('permission') });
  expect(JSON.stringify(body)).not.toContain(dir);
  const stats = await (await fetch(`${base}/stats`)).json();
  expect(stats.indexing.refused).toBe(1);
}, 120_000);
