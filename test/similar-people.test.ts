/**
 * "Possibly the same person" (GET /people/:id/similar) on the local backend: only people within the
 * calibrated centroid distance (SIMILAR_PEOPLE_MAX_DISTANCE), named people first, then the closest.
 * Synthetic embeddings at face-api-like distances (same person ~0.44 apart, different ~0.8).
 */
import { afterEach, expect, it } from 'vitest';
import { SyntheticAlbum } from './support/synthetic-album';
import { SyntheticIdentities } from './support/synthetic-faces';

let album: SyntheticAlbum;
afterEach(() => album?.close());

it('suggests the other parts of a split identity, named first, and nobody else', async () => {
  const s = new SyntheticIdentities(5);
  const [x, y, z] = [s.newIdentity(0), s.newIdentity(0), s.newIdentity(0)];
  album = new SyntheticAlbum();
  const faces = (id: number, who: string, n: number) =>
    Array.from({ length: n }, (_, i) => album.addPhoto(`${who}/${i}.jpg`, `h${who}${i}`, [s.face(id)])[0]!);
  // X split over three people (as incremental passes can leave it); Y and Z whole.
  const [x1, x2, x3, ys, zs] = [
    faces(x, 'x1', 4),
    faces(x, 'x2', 3),
    faces(x, 'x3', 3),
    faces(y, 'y', 5),
    faces(z, 'z', 4),
  ];
  const on = (ids: number[], personId: string) => ids.map((faceId) => ({ faceId, personId }));
  album.people.applyClusterChanges({
    createdPersons: ['P-x1', 'P-x2', 'P-x3', 'P-y', 'P-z'],
    assignments: [
      ...on(x1, 'P-x1'),
      ...on(x2, 'P-x2'),
      ...on(x3, 'P-x3'),
      ...on(ys, 'P-y'),
      ...on(zs, 'P-z'),
    ],
    emptiedPersons: [],
  });
  album.people.update('P-x3', { name: 'Xavier' });
  const similar = await album.backend.similarPeople('P-x1', 10);
  expect(similar.map((s) => s.person.id)).toEqual(['P-x3', 'P-x2']);
  for (const s of similar) expect(s.distance).toBeLessThan(0.44);
  expect(await album.backend.similarPeople('P-y', 10)).toEqual([]);
  expect((await album.backend.similarPeople('P-x1', 1)).map((s) => s.person.id)).toEqual(['P-x3']);
});
