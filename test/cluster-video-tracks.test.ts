import { describe, expect, it } from 'vitest';
import type { ClusterFace, SeenSpan } from '../src/local/cluster/cluster-types';
import { DistinctContent } from '../src/local/cluster/distinct-content';
import { PersonClusterer } from '../src/local/cluster/person-clusterer';
import { clusterFace, idCounter, SYNTHETIC_THRESHOLDS, SyntheticIdentities } from './support/synthetic-faces';

// Two tracks of one video: one person when never seen at one time (the person's photos decide), two when
// seen in one frame; the video counts once toward the 3-photo rule, however many tracks it holds.

let nextFaceId = 1;
let nextPhotoId = 1;
const VIDEO = 90_000;

const photoFace = (embedding: Float32Array): ClusterFace =>
  clusterFace(nextFaceId++, nextPhotoId++, embedding, {});
const trackFace = (embedding: Float32Array, spans: SeenSpan[]): ClusterFace =>
  clusterFace(nextFaceId++, VIDEO, embedding, { spans });
const span = (fromSeconds: number, toSeconds: number): SeenSpan => ({ fromSeconds, toSeconds });

const clusterer = () =>
  new PersonClusterer({ ...SYNTHETIC_THRESHOLDS, newPersonId: idCounter('Video-test-') });

describe('two tracks of one video', () => {
  it('both join the person of their photos when never seen at one time (incremental and full pass)', () => {
    for (const seed of [21, 22, 23]) {
      const s = new SyntheticIdentities(seed);
      const id = s.newIdentity(0);
      const c = clusterer();
      c.addFaces([0, 1, 2, 3].map(() => photoFace(s.face(id, 0.6))));
      const [p] = c.personIds();
      expect(p).toBeDefined();
      const t1 = trackFace(s.face(id, 0.6), [span(0, 2)]);
      const t2 = trackFace(s.face(id, 0.6), [span(4, 6)]);
      c.addFaces([t1, t2]);
      expect([c.personOf(t1.id), c.personOf(t2.id)]).toEqual([p, p]);
      c.recluster();
      expect(c.personOf(t1.id)).toBe(c.personOf(t2.id));
      expect(c.personOf(t1.id)).not.toBeNull();
      // The first full pass of an album (no person yet) too.
      const fresh = clusterer();
      const faces = [...[0, 1, 2, 3].map(() => photoFace(s.face(id, 0.6))), t1, t2].map((f) => ({
        ...f,
        personId: null,
      }));
      fresh.load(faces, []);
      fresh.recluster();
      expect(fresh.personOf(t1.id)).not.toBeNull();
      expect(fresh.personOf(t1.id)).toBe(fresh.personOf(t2.id));
      expect(fresh.personOf(t1.id)).toBe(fresh.personOf(faces[0]!.id));
    }
  });

  it('seen in one frame (overlapping spans) they never share a person', () => {
    const s = new SyntheticIdentities(24);
    const id = s.newIdentity(0);
    const c = clusterer();
    c.addFaces([0, 1, 2, 3].map(() => photoFace(s.face(id, 0.6))));
    const t1 = trackFace(s.face(id, 0.6), [span(0, 2), span(5, 6)]);
    const t2 = trackFace(s.face(id, 0.6), [span(3, 5)]);
    // No spans known (an older row): seen at every time.
    const t3 = trackFace(s.face(id, 0.6), []);
    c.addFaces([t1, t2, t3]);
    const placed = () => [t1, t2, t3].map((f) => c.personOf(f.id)).filter((p) => p !== null);
    expect(placed()).toHaveLength(1);
    c.recluster();
    expect(new Set(placed()).size).toBe(placed().length);
  });

  it("one video's tracks alone found no one, nor does it count twice beside two photos", () => {
    const s = new SyntheticIdentities(25);
    const id = s.newIdentity(0);
    const c = clusterer();
    const tracks = [span(0, 1), span(3, 4), span(6, 7)].map((sp) => trackFace(s.face(id, 0.5), [sp]));
    expect(c.addFaces(tracks).createdPersons).toEqual([]);
    c.recluster();
    expect(c.personIds()).toEqual([]);
    // Two photos + the video: 3 photo ids (a person); without the video's tracks counted apart.
    const photos = [photoFace(s.face(id, 0.5))];
    c.addFaces(photos);
    c.recluster();
    expect(c.personIds()).toEqual([]);
    c.addFaces([photoFace(s.face(id, 0.5))]);
    c.recluster();
    expect(c.personIds()).toHaveLength(1);
    expect(new Set(tracks.map((t) => c.personOf(t.id)))).toEqual(new Set(c.personIds()));
  });

  it('a track unit carries its spans; copies of the video stay one unit per track', () => {
    const base = { clusterable: true, personId: null, pinnedPersonId: null, rejectedPersonIds: [] };
    const spans = [span(4, 6)];
    const content = new DistinctContent([
      { ...base, id: 1, photoId: 7, contentPhotoId: 7, idx: 0, track: 0, spans: [span(0, 2)] },
      { ...base, id: 2, photoId: 7, contentPhotoId: 7, idx: 1, track: 1, spans },
      { ...base, id: 3, photoId: 8, contentPhotoId: 7, idx: 1, track: 1, spans },
      { ...base, id: 4, photoId: 9, contentPhotoId: 9, idx: 0 },
    ]);
    expect(content.units.map((u) => [u.id, u.photoId, u.spans])).toEqual([
      [1, 7, [span(0, 2)]],
      [2, 7, spans],
      [4, 9, undefined],
    ]);
  });
});
