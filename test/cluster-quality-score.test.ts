import { describe, expect, it } from 'vitest';
import type { ManifestRow } from '../bench/dev-manifest';
import { buildTruth, type ExportPhoto, immichBaseline, score } from '../bench/quality-score';
import { SyntheticIdentities } from './support/synthetic-faces';

/** A 250×250 photo whose first face is centred (the labelled one) plus optional off-centre faces. */
function photo(p: string, embeddings: Float32Array[]): ExportPhoto {
  return {
    path: p,
    width: 250,
    height: 250,
    faces: embeddings.map((e, i) => ({
      box:
        i === 0
          ? { left: 70, top: 65, width: 110, height: 125 }
          : { left: 5 + 20 * i, top: 5, width: 30, height: 30 },
      personId: null,
      quality: 0.9,
      clusterable: true,
      embedding: Array.from(e),
    })),
  };
}

describe('quality scoring', () => {
  const s = new SyntheticIdentities(77);
  const [a, b, d] = [s.newIdentity(0), s.newIdentity(0), s.newIdentity(0)];
  const photos = [
    photo('A/1.jpg', [s.face(a, 0.7)]),
    photo('A/2.jpg', [s.face(a, 0.7)]),
    photo('A/3.jpg', [s.face(a, 0.7), s.face(b, 0.7)]),
    photo('B/1.jpg', [s.face(b, 0.7)]),
    photo('B/2.jpg', [s.face(b, 0.7)]),
    photo('B/3.jpg', [s.face(b, 0.7)]),
    photo('D/1.jpg', [s.face(d, 0.7)]),
  ];
  const manifest: ManifestRow[] = photos.map((p) => ({
    path: p.path,
    person: p.path.split('/')[0]!,
    notes: '',
  }));
  const truth = buildTruth(photos, manifest);

  it('labels the face nearest the centre only', () => {
    expect(truth.faces.map((f) => f.label)).toEqual(['A', 'A', 'A', null, 'B', 'B', 'B', 'D']);
    expect(truth.photosPerIdentity.get('A')).toBe(3);
  });

  it('computes BCubed, pairwise, distractor and same-photo figures', () => {
    // A: faces 0,1,2 → X, X, Y. B: 4,5,6 → Y, Y, null. The unlabelled B face on A/3 (index 3) joins Y,
    // the person of A/3's labelled face: one same-photo merge. Distractor D → X (wrong).
    const assignment = ['X', 'X', 'Y', 'Y', 'Y', 'Y', null, 'X'];
    const sc = score(truth, assignment);
    // Core universe: A0 A1 A2 B4 B5 B6. Clusters over it: X={A0,A1}, Y={A2,B4,B5}, B6 alone.
    // BCubed P: A0 1, A1 1, A2 1/3, B4 2/3, B5 2/3, B6 1 → 4.6667/6.
    expect(sc.bcubedP).toBeCloseTo(4.6667 / 6, 3);
    // BCubed R: A0 2/3, A1 2/3, A2 1/3, B4 2/3, B5 2/3, B6 1/3 → 3.3333/6.
    expect(sc.bcubedR).toBeCloseTo(3.3333 / 6, 3);
    // Pairs: predicted X 1 (true), Y 3 (1 true) → P 2/4; true pairs 6 → R 2/6.
    expect(sc.pairP).toBeCloseTo(0.5, 4);
    expect(sc.pairR).toBeCloseTo(1 / 3, 4);
    expect(sc.distractorFaces).toBe(1);
    expect(sc.distractorWrongShare).toBe(1);
    expect(sc.sameImageMerges).toBe(1);
    expect(sc.coreAssignedShare).toBeCloseTo(5 / 6, 3);
  });

  it('a perfect clustering scores 1', () => {
    const sc = score(truth, ['A', 'A', 'A', null, 'B', 'B', 'B', null]);
    expect([sc.bcubedP, sc.bcubedR, sc.pairP, sc.pairR, sc.distractorWrongShare, sc.sameImageMerges]).toEqual(
      [1, 1, 1, 1, 0, 0],
    );
  });

  it('the Immich baseline groups clear identities and ignores same-photo faces', () => {
    const result = immichBaseline(truth, { maxDistance: 0.3, minFaces: 3 });
    expect(result[0]).not.toBeNull();
    expect(result[0]).toBe(result[1]);
    expect(result[4]).toBe(result[5]);
    expect(result[4]).not.toBe(result[0]);
    // A distance past every pair (like Immich's default 0.5 on face-api descriptors) merges everything.
    const loose = immichBaseline(truth, { maxDistance: 2.5, minFaces: 3 });
    expect(new Set(loose.filter((x) => x !== null)).size).toBe(1);
  });
});
