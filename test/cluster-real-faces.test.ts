import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterFace } from '../src/local/cluster/cluster-types';
import { PersonClusterer } from '../src/local/cluster/person-clusterer';
import { createFaceEngine, type LocalFaceEngine } from '../src/local/engine/create-face-engine';
import { clusterFace } from './support/synthetic-faces';

/**
 * Real descriptors from the local engine on faces-dev photos, clustered with the DEFAULT (tuned) options:
 * three identities with four photos each become three persons; two one-photo distractors stay alone.
 */
const DATASET = path.resolve('../shared/datasets/faces-dev');
const IDENTITIES = ['Edwina_Currie', 'Grant_Hackett', 'Benjamin_Netanyahu'];
const DISTRACTORS = ['AJ_Cook/1.jpg', 'Bill_Lerach/1.jpg'];

let engine: LocalFaceEngine;
const faces: (ClusterFace & { truth: string })[] = [];

beforeAll(async () => {
  engine = await createFaceEngine({ workers: 1 });
  const files = [...IDENTITIES.flatMap((id) => [1, 2, 3, 4].map((n) => `${id}/${n}.jpg`)), ...DISTRACTORS];
  let photoId = 0;
  for (const file of files) {
    photoId++;
    const photo = await engine.analyze({ path: path.join(DATASET, file) });
    for (const f of photo.faces) {
      faces.push({ ...clusterFace(faces.length + 1, photoId, f.embedding), truth: file.split('/')[0]! });
    }
  }
}, 180_000);

afterAll(async () => {
  await engine?.close();
});

describe('clusterer on real descriptors', () => {
  function check(c: PersonClusterer): void {
    const persons = c.personIds();
    expect(persons).toHaveLength(3);
    for (const id of IDENTITIES) {
      const mine = faces.filter((f) => f.truth === id);
      expect(mine.length).toBeGreaterThanOrEqual(4);
      const p = c.personOf(mine[0]!.id);
      expect(p).not.toBeNull();
      for (const f of mine) expect(c.personOf(f.id)).toBe(p);
      expect(c.membersOf(p!).sort()).toEqual(mine.map((f) => f.id).sort());
    }
    for (const f of faces.filter((x) => !IDENTITIES.includes(x.truth))) expect(c.personOf(f.id)).toBeNull();
  }

  it('groups the identities incrementally and keeps them through a recluster', () => {
    const c = new PersonClusterer();
    const ch = c.addFaces(faces);
    expect(ch.createdPersons).toHaveLength(3);
    check(c);
    const before = c.personIds().sort();
    const again = c.recluster();
    expect(again.createdPersons).toEqual([]);
    expect(c.personIds().sort()).toEqual(before);
    check(c);
  });
});
