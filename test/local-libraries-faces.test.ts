/**
 * `scan --libraries` through the real CLI and the real face engine: the same person's photos in two
 * library folders give one person in EACH library, never one shared; a library sees only its own people.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openLocalLibraries } from '../src/local/local-libraries';
import { captureLogs } from './support/log-capture';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'face-album.cjs');
const DEV = resolve(ROOT, '../shared/datasets/faces-dev');
const work = mkdtempSync(join(tmpdir(), 'fa-libraries-faces-'));
const photos = join(work, 'photos');
const data = join(work, 'state');

function place(src: string, key: string): void {
  mkdirSync(dirname(join(photos, key)), { recursive: true });
  copyFileSync(join(DEV, src), join(photos, key));
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('scan --libraries on real faces', () => {
  it('clusters each library apart: the same face in two folders is a person in each', async () => {
    for (let i = 1; i <= 4; i++) {
      place(`Vladimir_Putin/${i}.jpg`, `anna/putin-${i}.jpg`);
      place(`Vladimir_Putin/${i}.jpg`, `ben/2003/putin ${i}.jpg`);
      place(`Ariel_Sharon/${i}.jpg`, `anna/sharon-${i}.jpg`);
    }
    place('Gerhard_Schroeder/1.jpg', 'loose.jpg');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FACE_ALBUM_')));
    const { stdout, stderr } = await run(
      process.execPath,
      [BIN, 'scan', photos, '--libraries', '--data', data, '--workers', '1', '--log-format', 'json'],
      { cwd: work, env: { ...env, LOG_LEVEL: 'info' }, maxBuffer: 64 * 1024 * 1024 },
    );
    expect(stderr).toMatch(/12 indexed, 0 unchanged, 0 rejected/);
    const lines = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.event === 'library.skipped').map((l) => l.path)).toEqual(['loose.jpg']);
    const summaries = lines.filter((l) => l.event === 'album.summary');
    expect(summaries.map((l) => [l.library, l.photos])).toEqual([
      ['anna', 8],
      ['ben', 4],
    ]);

    // status reads a libraries data dir as it is; export (single albums only) says what the data dir holds.
    const cli = (args: string[]) => run(process.execPath, [BIN, ...args], { cwd: work, env });
    const status = JSON.parse((await cli(['status', '--data', data])).stdout);
    expect(status.photosDir).toBe(photos);
    expect(
      status.libraries.map((l: { name: string; photos: number; people: number; pending: object }) => [
        l.name,
        l.photos,
        l.people,
        l.pending,
      ]),
    ).toEqual([
      ['anna', 8, 2, { toIndex: 0, toRemove: 0 }],
      ['ben', 4, 1, { toIndex: 0, toRemove: 0 }],
    ]);
    const failed = (args: string[]) =>
      cli(args).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
    // export is one album's JSON: a libraries data dir exports the library asked for.
    const noLibrary = await failed(['export', '--data', data]);
    expect(noLibrary?.code).toBe(1);
    expect(noLibrary?.stderr).toMatch(/holds one album per library; pass --library \(one of: anna, ben\)/);
    expect((await failed(['export', '--data', data, '--library', 'carl']))?.stderr).toMatch(
      /no library carl/,
    );
    const ben = JSON.parse((await cli(['export', '--data', data, '--library', 'ben'])).stdout);
    expect(ben.photos.map((p: { path: string }) => p.path).sort()).toEqual(
      [1, 2, 3, 4].map((i) => `ben/2003/putin ${i}.jpg`),
    );
    expect(ben.people).toHaveLength(1);
    // A full re-cluster of one library keeps its person and leaves the other library alone.
    const benPerson = ben.people[0].id;
    const lastRuns = async () =>
      Object.fromEntries(
        JSON.parse((await cli(['status', '--data', data])).stdout).libraries.map(
          (l: { name: string; lastClustering: { id: string } }) => [l.name, l.lastClustering.id],
        ),
      );
    const before = await lastRuns();
    await cli(['recluster', '--data', data, '--library', 'ben']);
    const after = await lastRuns();
    expect(after.anna).toBe(before.anna);
    expect(after.ben).not.toBe(before.ben);
    expect(JSON.parse((await cli(['export', '--data', data, '--library', 'ben'])).stdout).people[0].id).toBe(
      benPerson,
    );

    const libs = openLocalLibraries({
      photosDir: photos,
      dataDir: data,
      env: {},
      createEngine: () => Promise.reject(new Error('nothing is analysed when reading back')),
      log: captureLogs().log,
    });
    try {
      expect(libs.names()).toEqual(['anna', 'ben']);
      const personOf = async (lib: string, key: string) =>
        (await libs.library(lib)!.service.getPhoto(`oss://local/${key}`)).faces[0]?.personId;
      const annaPutin = await personOf('anna', 'anna/putin-1.jpg');
      const annaSharon = await personOf('anna', 'anna/sharon-1.jpg');
      const benPutin = await personOf('ben', 'ben/2003/putin 1.jpg');
      expect(annaPutin && annaSharon && benPutin).toBeTruthy();
      expect(new Set([annaPutin, annaSharon, benPutin]).size).toBe(3);
      for (let i = 2; i <= 4; i++) {
        expect(await personOf('anna', `anna/putin-${i}.jpg`)).toBe(annaPutin);
        expect(await personOf('ben', `ben/2003/putin ${i}.jpg`)).toBe(benPutin);
      }
      const people = async (lib: string) =>
        (
          await libs
            .library(lib)!
            .service.listPeople({ limit: 50, sort: 'imageCount', order: 'desc', hidden: 'exclude' })
        ).items.map((p) => [p.id, p.imageCount]);
      expect((await people('ben')).sort()).toEqual([[benPutin, 4]]);
      expect((await people('anna')).sort()).toEqual(
        [
          [annaPutin, 4],
          [annaSharon, 4],
        ].sort(),
      );
    } finally {
      await libs.close();
    }
  }, 240_000);
});
