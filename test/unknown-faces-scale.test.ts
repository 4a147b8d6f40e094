/**
 * The "Unknown faces" review at 20,000 faces nobody holds, on the real SQLite stores: every read of a
 * page uses an index (EXPLAIN QUERY PLAN: no table scan, no sort), the keyset pages walk each group
 * exactly once largest first, and the stored sizes follow edits at once (triggers), without a pass.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PhotoFolder } from '../src/local/folder/photo-folder';
import { LocalBackend } from '../src/local/local-backend';
import { type Db, openDatabase } from '../src/local/store/database';
import { EditLogStore } from '../src/local/store/edit-log-store';
import { FaceEditsStore } from '../src/local/store/face-edits-store';
import { PeopleStore } from '../src/local/store/people-store';
import { PhotoStore } from '../src/local/store/photo-store';
import { TaskStore } from '../src/local/store/task-store';
import { UnknownFacesStore } from '../src/local/store/unknown-faces-store';
import { recordStatements } from './support/record-statements';
import { mulberry32 } from './support/synthetic-faces';

const FACES = 20_000;
let dir: string;
let db: Db;
let store: UnknownFacesStore;
let backend: LocalBackend;
let groups: number[][];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fa-unknown-'));
  db = openDatabase(join(dir, 'album.db'));
  const blob = Buffer.from(new Float32Array(128).fill(0.1).buffer);
  db.transaction(() => {
    const analysis = db.prepare(
      'INSERT INTO analyses (hash, width, height, created_at) VALUES (?, 800, 600, ?)',
    );
    const face =
      db.prepare(`INSERT INTO analysis_faces (hash, idx, box_left, box_top, box_width, box_height, embedding)
      VALUES (?, 0, 10, 10, 80, 90, ?)`);
    const photo = db.prepare(
      `INSERT INTO photos (path, hash, size, mtime_ms, indexed_at) VALUES (?, ?, 1, 1, '2026-01-01')`,
    );
    const row = db.prepare('INSERT INTO faces (photo_id, idx, clusterable) VALUES (?, 0, 1)');
    for (let i = 0; i < FACES; i++) {
      analysis.run(`h${i}`, '2026-01-01');
      face.run(`h${i}`, blob);
      row.run(Number(photo.run(`p/${i}.jpg`, `h${i}`).lastInsertRowid));
    }
  })();
  // Groups of 1–12 faces, as a clustering pass hands them over.
  const rand = mulberry32(21);
  groups = [];
  for (let id = 1; id <= FACES; ) {
    const size = Math.min(FACES - id + 1, 1 + Math.floor(rand() ** 3 * 12));
    groups.push(Array.from({ length: size }, (_, i) => id + i));
    id += size;
  }
  store = new UnknownFacesStore(db);
  store.replaceGroups(groups);
  backend = new LocalBackend({
    bucket: 'local',
    folder: {} as PhotoFolder,
    photos: new PhotoStore(db),
    people: new PeopleStore(db, (p) => `oss://local/${p}`),
    tasks: new TaskStore(db),
    edits: new FaceEditsStore(db),
    editLog: new EditLogStore(db),
    unknownFaces: store,
    engine: () => Promise.reject(new Error('no engine')),
    clusterer: { cluster: () => ({ assignments: [], createdPersons: [], emptiedPersons: [] }) },
    isClusterable: () => true,
    concurrency: 1,
  });
});
afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('walks every group once, largest first, 50 at a time', async () => {
  const seen: { id: string; size: number }[] = [];
  let cursor: string | undefined;
  do {
    const page = await backend.listUnknownGroups({ limit: 50, cursor });
    for (const g of page.items) {
      expect(g.faces.length).toBe(Math.min(8, g.size));
      expect(g.faces[0]!.uri).toMatch(/^oss:\/\/local\/p\/\d+\.jpg$/);
    }
    seen.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  expect(seen).toHaveLength(groups.length);
  expect(new Set(seen.map((g) => g.id)).size).toBe(groups.length);
  expect(seen.reduce((n, g) => n + g.size, 0)).toBe(FACES);
  for (let i = 1; i < seen.length; i++) expect(seen[i]!.size).toBeLessThanOrEqual(seen[i - 1]!.size);
});

it('reads each page by index seeks, however many unknown faces there are', async () => {
  const seen = recordStatements(db);
  const first = await backend.listUnknownGroups({ limit: 50 });
  await backend.listUnknownGroups({ limit: 50, cursor: first.nextCursor! });
  const big = first.items[0]!;
  const faces = await backend.listUnknownGroupFaces(big.id, { limit: 5 });
  await backend.listUnknownGroupFaces(big.id, { limit: 5, cursor: faces.nextCursor! });
  await backend.markNotAFace([faces.items[0]!.id], true);
  const marked = await backend.listNotAFaces({ limit: 10 });
  expect(marked.items).toHaveLength(1);
  seen.stop();
  const bad: string[] = [];
  for (const { sql, args } of seen) {
    if (!/^\s*SELECT/i.test(sql)) continue;
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map(
      (r) => r.detail,
    );
    if (plan.some((d) => /^SCAN (?!json_each)/.test(d) || /TEMP B-TREE/.test(d)))
      bad.push(`${sql}\n  ${plan.join('\n  ')}`);
  }
  expect(bad).toEqual([]);
  expect(seen.some((s) => /unknown_groups/.test(s.sql))).toBe(true);
});

it('keeps group sizes right as faces leave and come back, without a clustering pass', async () => {
  const size = async (id: string) => {
    let cursor: string | undefined;
    do {
      const page = await backend.listUnknownGroups({ limit: 100, cursor });
      const g = page.items.find((x) => x.id === id);
      if (g) return g.size;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return 0;
  };
  const group = (await backend.listUnknownGroups({ limit: 1 })).items[0]!;
  const before = group.size;
  const [f1, f2] = group.faces;
  const personId = await backend.assignFaces([f1!.id], { newPerson: { name: null } });
  await backend.markNotAFace([f2!.id], true);
  expect(await size(group.id)).toBe(before - 2);
  // "Not this person" takes f1 back: it waits in a group of its own until the next pass.
  await backend.rejectFace(personId, f1!.id);
  const alone = (await backend.listUnknownGroups({ limit: 100_000 })).items.filter((g) =>
    g.faces.some((f) => f.id === f1!.id),
  );
  expect(alone.map((g) => g.size)).toEqual([1]);
});
