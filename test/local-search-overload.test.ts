/**
 * Searches under overload (issue 21): POST /people/search beyond what the engine can take is a 429 with
 * Retry-After at once, never a 500 nor an unbounded wait; those admitted are answered by the real engine.
 * Searches go ahead of queued indexing work in the engine's pool. The engine is the real one; the test
 * holds its calls back (as a busy engine would) to fill the line deterministically.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFaceEngine, type LocalFaceEngine } from '../src/local/engine/create-face-engine';
import { EngineBusyError, EngineGate } from '../src/local/engine/engine-gate';
import type { FaceEngine } from '../src/local/engine/face-engine';
import { PhotoFolder } from '../src/local/folder/photo-folder';
import { type Db, openDatabase } from '../src/local/store/database';
import { createLogger } from '../src/log/logger';
import { ErrorShape, FaceSearchShape } from './contract/api-shapes';
import { detectApi } from './support/detect-api';

const DEV = join(import.meta.dirname, '../../shared/datasets/faces-dev');
const FACE = readFileSync(join(DEV, 'George_W_Bush/1.jpg'));
const dir = mkdtempSync(join(tmpdir(), 'fa-search-load-'));
let db: Db;
let engine: LocalFaceEngine;

beforeAll(async () => {
  mkdirSync(join(dir, 'photos'));
  db = openDatabase(join(dir, 'data', 'album.db'));
  engine = await createFaceEngine({ workers: 1, maxQueue: 1 });
});
afterAll(async () => {
  await engine.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

it('admits one running and two waiting searches per engine worker, refuses the rest with 429 and Retry-After', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  let started = 0;
  const busy: FaceEngine = {
    concurrency: 1,
    analyze: async (input, opts) => {
      started++;
      await held;
      return engine.analyze(input, opts);
    },
    close: async () => {},
  };
  // detectApi's backend has concurrency 1: 1 running + 2 waiting.
  const api = detectApi({
    db,
    folder: new PhotoFolder(join(dir, 'photos')),
    engine: async () => busy,
    log: createLogger({ level: 'error' }),
  });
  const search = () =>
    api.request('/people/search', {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: new Uint8Array(FACE),
    });
  const admitted = [search(), search(), search()];
  await new Promise((r) => setTimeout(r, 50));
  expect(started).toBe(1);
  const refused = await Promise.all([search(), search()]);
  for (const res of refused) {
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(ErrorShape.parse(await res.json()).error.message).toContain('the face engine is busy');
  }
  // Refused before its body is read: a body that never ends is not waited for.
  const endless = await api.request('/people/search', {
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    body: new ReadableStream({ pull: () => new Promise(() => {}) }),
    duplex: 'half',
  } as RequestInit);
  expect(endless.status).toBe(429);
  release();
  for (const res of await Promise.all(admitted)) {
    expect(res.status).toBe(200);
    expect(FaceSearchShape.parse(await res.json()).faces).toHaveLength(1);
  }
  // The line emptied: a search is admitted again.
  expect((await search()).status).toBe(200);
});

it('the gate hands a freed place to the first in line and refuses only past its bound', async () => {
  const gate = new EngineGate({ running: 2, waiting: 1 });
  const releases: (() => void)[] = [];
  const order: number[] = [];
  const job = (n: number) =>
    gate.run(async () => {
      order.push(n);
      await new Promise<void>((r) => releases.push(r));
      return n;
    });
  const runs = [job(1), job(2), job(3)];
  await expect(job(4)).rejects.toBeInstanceOf(EngineBusyError);
  await new Promise((r) => setTimeout(r, 0));
  expect(order).toEqual([1, 2]);
  releases[0]!();
  await runs[0];
  await new Promise((r) => setTimeout(r, 0));
  expect(order).toEqual([1, 2, 3]);
  // 2 running, none waiting: one more may wait.
  const fifth = job(5);
  await expect(job(6)).rejects.toBeInstanceOf(EngineBusyError);
  for (let i = 1; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 0));
    releases[i]!();
  }
  expect(await Promise.all([...runs, fifth])).toEqual([1, 2, 3, 5]);
});

it('an interactive analysis goes ahead of indexing work already queued in the engine', async () => {
  const finished: string[] = [];
  const track = (name: string, p: Promise<unknown>) => p.then(() => finished.push(name));
  // One worker, queue of 1: the first photo runs, the second queues, the rest wait for queue space.
  const background = Array.from({ length: 4 }, (_, i) =>
    track(`index-${i}`, engine.analyze({ bytes: new Uint8Array(FACE) })),
  );
  await new Promise((r) => setTimeout(r, 20));
  const search = track('search', engine.analyze({ bytes: new Uint8Array(FACE) }, { interactive: true }));
  await Promise.all([...background, search]);
  // Only the photo already on the worker finishes before it.
  expect(finished.indexOf('search')).toBe(1);
});
