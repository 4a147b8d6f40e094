/**
 * What the CLI prints and what it refuses, through the real bin (via tsx) on real folders. No photo is
 * analysed (the only file is refused before the engine), so no engine starts.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', 'bin', 'face-album.cjs');
const work = mkdtempSync(join(tmpdir(), 'fa-cli-'));
const photos = join(work, 'photos');
mkdirSync(photos);
writeFileSync(join(photos, 'empty.jpg'), '');
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FACE_ALBUM_'))),
  LOG_LEVEL: 'info',
};
const cli = (args: string[]) => run(process.execPath, [BIN, ...args], { cwd: work, env });

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('CLI log output', () => {
  it('prints JSON lines off a terminal by default (machines read them)', async () => {
    const { stdout } = await cli(['scan', photos, '--data', join(work, 'json-data')]);
    const records = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    expect(records.find((r) => r.event === 'photo.index')).toMatchObject({
      level: 'warn',
      outcome: 'rejected',
      uri: 'oss://local/empty.jpg',
    });
    expect(records.find((r) => r.event === 'indexer.metrics')).toMatchObject({ indexed: 0, rejected: 1 });
    expect(records.find((r) => r.event === 'album.summary')).toMatchObject({ photos: 0, people: 0 });
  });

  it('prints short human lines with --log-format human, through the same logger', async () => {
    const { stdout } = await cli([
      'scan',
      photos,
      '--data',
      join(work, 'human-data'),
      '--log-format',
      'human',
    ]);
    const lines = stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d /.test(l));
    expect(stdout).not.toMatch(/^\{/m);
    expect(lines.some((l) => /warn: refused oss:\/\/local\/empty\.jpg: empty/.test(l))).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/ indexed 0 photos, 1 refused$/));
    expect(lines).toContainEqual(expect.stringMatching(/ album: 0 photos, 0 faces, 0 people$/));
  });

  it('rejects an unknown --log-format', async () => {
    const err = await cli(['scan', photos, '--log-format', 'xml']).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/--log-format.*xml/s);
  });
});

describe('CLI data dir lock', () => {
  it('refuses recluster while another face-album holds the data dir', async () => {
    const data = join(work, 'locked');
    mkdirSync(data, { recursive: true });
    // Held by a live process (pid 1 always exists), as a running `start` would hold it.
    writeFileSync(join(data, 'album.lock'), JSON.stringify({ pid: 1, what: 'start' }));
    const err = await cli(['recluster', '--data', data, '--photos', photos]).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toContain('another face-album (start, pid 1)');
  });
});
