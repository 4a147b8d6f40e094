import { describe, expect, it } from 'vitest';
import type { ClusterChanges, ClusterFace } from '../src/local/cluster/cluster-types';
import { PersonClusterer } from '../src/local/cluster/person-clusterer';
import { mergeFace, rejectFace } from '../src/local/cluster/user-edits';
import { clusterFace, idCounter, SYNTHETIC_THRESHOLDS, SyntheticIdentities } from './support/synthetic-faces';

let nextFaceId = 1;
let nextPhotoId = 1;

function face(embedding: Float32Array, extra: Partial<ClusterFace> = {}): ClusterFace {
  return clusterFace(nextFaceId++, extra.photoId ?? nextPhotoId++, embedding, extra);
}

/** Tests check logic at the synthetic scale, not the tuned defaults. */
const SYNTH = SYNTHETIC_THRESHOLDS;

const counter = () => idCounter('Cluster-test-');

function assignedTo(ch: ClusterChanges): Map<number, string | null> {
  return new Map(ch.assignments.map((a) => [a.faceId, a.personId]));
}

/** Faces placed by hand around `centre`: a point `t` along a unit direction, and random unit directions. */
function placing(s: SyntheticIdentities, centre: Float32Array) {
  const unit = (v: Float32Array) => v.map((x) => x / Math.hypot(...v));
  return {
    along: (from: Float32Array, dir: Float32Array, t: number) => from.map((x, i) => x + dir[i]! * t),
    randomDir: () => unit(s.face(s.newIdentity(0), 1).map((x, i) => x - centre[i]!)),
  };
}

describe('PersonClusterer incremental', () => {
  it('founds a person only at the third clusterable face from different photos', () => {
    const s = new SyntheticIdentities(11);
    const id = s.newIdentity();
    const c = new PersonClusterer({ ...SYNTH, newPersonId: counter() });
    const a = c.addFaces([face(s.face(id, 1)), face(s.face(id, 1))]);
    expect(a.assignments).toEqual([]);
    expect(a.createdPersons).toEqual([]);
    const f3 = face(s.face(id, 1));
    const b = c.addFaces([f3]);
    expect(b.createdPersons).toEqual(['Cluster-test-1']);
    expect(b.assignments).toHaveLength(3);
    expect(new Set(b.assignments.map((x) => x.personId))).toEqual(new Set(['Cluster-test-1']));
  });

  it('does not found a person from three faces of one photo', () => {
    const s = new SyntheticIdentities(12);
    const id = s.newIdentity();
    const c = new PersonClusterer({ ...SYNTH, newPersonId: counter() });
    const ch = c.addFaces([0, 1, 2].map(() => face(s.face(id), { photoId: 999 })));
    expect(ch.createdPersons).toEqual([]);
    expect(c.personIds()).toEqual([]);
  });

  it('non-clusterable faces join an existing person but never found one', () => {
    const s = new SyntheticIdentities(13);
    const a = s.newIdentity();
    const b = s.newIdentity();
    const c = new PersonClusterer({ ...SYNTH, newPersonId: counter() });
    const lone = c.addFaces([0, 1, 2, 3].map(() => face(s.face(b, 0.8), { clusterable: false })));
    expect(lone.createdPersons).toEqual([]);
    expect(c.personIds()).toEqual([]);
    c.addFaces([0, 1, 2].map(() => face(s.face(a, 0.8))));
    expect(c.personIds()).toHaveLength(1);
    const passenger = face(s.face(a, 0.8), { clusterable: false });
    const ch = c.addFaces([passenger]);
    expect(assignedTo(ch).get(passenger.id)).toBe(c.personIds()[0]);
    // The other identity's non-clusterable faces still wait.
    expect(c.personIds()).toHaveLength(1);
  });

  it('assigns new faces without moving already assigned faces', () => {
    const s = new SyntheticIdentities(14);
    const ids = Array.from({ length: 30 }, () => s.newIdentity());
    // localSpread (its ratio tuned on real faces, tested in cluster-local-spread.test.ts) turns away 1 of
    // these 30 synthetic faces; this test is about faces that never move.
    const c = new PersonClusterer({ ...SYNTH, localSpread: null, newPersonId: counter() });
    const firstFace = new Map<number, number>();
    c.addFaces(
      ids.flatMap((id) =>
        [0, 1, 2, 3, 4].map(() => {
          const f = face(s.face(id));
          if (!firstFace.has(id)) firstFace.set(id, f.id);
          return f;
        }),
      ),
    );
    const before = new Map<number, string | null>();
    for (let f = 1; f < nextFaceId; f++) before.set(f, c.personOf(f));
    const newFaces = ids.map((id) => ({ id, f: face(s.face(id)) }));
    const ch = c.addFaces(newFaces.map((x) => x.f));
    const newIds = new Set(newFaces.map((x) => x.f.id));
    for (const a of ch.assignments) expect(newIds.has(a.faceId) || before.get(a.faceId) === null).toBe(true);
    for (const [f, p] of before) if (p !== null) expect(c.personOf(f)).toBe(p);
    // New faces land on the person already holding their identity.
    const joined = newFaces.filter(
      (x) => c.personOf(x.f.id) !== null && c.personOf(x.f.id) === c.personOf(firstFace.get(x.id)!),
    );
    expect(joined.length).toBeGreaterThanOrEqual(27);
  });

  it('never puts two faces of one photo into one person', () => {
    const s = new SyntheticIdentities(15);
    const id = s.newIdentity();
    const c = new PersonClusterer({ ...SYNTH, newPersonId: counter() });
    c.addFaces([0, 1, 2, 3].map(() => face(s.face(id))));
    const [p] = c.personIds();
    const photo = 5000;
    const f1 = face(s.face(id, 0.5), { photoId: photo });
    const f2 = face(s.face(id, 0.5), { photoId: photo });
    c.addFaces([f1, f2]);
    expect(c.personOf(f1.id)).toBe(p);
    expect(c.personOf(f2.id)).toBeNull();
    // Also after a full re-cluster.
    c.recluster();
    const people = [f1, f2].map((f) => c.personOf(f.id)).filter((x) => x !== null);
    expect(new Set(people).size).toBe(people.length);
  });

  it('retryWaiting places waiting faces onto a person made since they arrived', () => {
    const s = new SyntheticIdentities(17);
    const id = s.newIdentity();
    const c = new PersonClusterer({ ...SYNTH, newPersonId: counter() });
    // Non-clusterable faces wait: they cannot found a person.
    const waiting = [0, 1, 2, 3].map(() => face(s.face(id, 0.7), { clusterable: false }));
    c.addFaces(waiting);
    expect(c.personIds()).toEqual([]);
    // The store then holds one of them pinned to a person (a user's manual assignment); loading places
    // only that one.
    const pinned = { ...waiting[0]!, personId: 'Cluster-named', pinnedPersonId: 'Cluster-named' };
    c.load([pinned, ...waiting.slice(1)], [{ id: 'Cluster-named', mergedInto: null }]);
    expect(c.personOf(waiting[0]!.id)).toBe('Cluster-named');
    expect(c.personOf(waiting[1]!.id)).toBeNull();
    const ch = c.retryWaiting();
    for (const f of waiting.slice(1)) expect(c.personOf(f.id)).toBe('Cluster-named');
    expect(ch.assignments.map((a) => a.faceId).sort()).toEqual(
      waiting
        .slice(1)
        .map((f) => f.id)
        .sort(),
    );
  });

  it('ratio test: a face near a person but as near to other people does not join it', () => {
    const s = new SyntheticIdentities(18);
    const id = s.newIdentity(0);
    const centre = s.face(id, 0);
    const { along, randomDir } = placing(s, centre);
    const members = [0, 1, 2, 3, 4, 5].map(() => face(s.face(id, 0.5)));
    // The stranger: ~0.52 from the members (under the synthetic attach threshold 0.58)...
    const stranger = along(centre, randomDir(), 0.5);
    // ...and 0.3 from four faces of other people (one group photo, not clusterable: they found nothing).
    const others = [0, 1, 2, 3].map(() =>
      face(along(stranger, randomDir(), 0.3), { photoId: 5000, clusterable: false }),
    );
    for (const ratioTest of [null, undefined]) {
      const c = new PersonClusterer({
        ...SYNTH,
        // The ratio test alone: localSpread would also keep this stranger out.
        localSpread: null,
        newPersonId: counter(),
        ...(ratioTest === null ? { ratioTest } : {}),
      });
      c.addFaces(members.map((f) => ({ ...f })));
      c.addFaces(others.map((f) => ({ ...f })));
      const x = face(stranger);
      c.addFaces([x]);
      const [person] = c.personIds();
      expect(c.membersOf(person!)).toHaveLength(ratioTest === null ? 7 : 6);
      c.recluster();
      expect(c.personOf(x.id) === null).toBe(ratioTest !== null);
    }
  });

  it("twin test: two photos of a stranger do not ride into a person on each other's strength", () => {
    const s = new SyntheticIdentities(19);
    const id = s.newIdentity(0);
    const centre = s.face(id, 0);
    const { along, randomDir } = placing(s, centre);
    // The stranger's two photos: ~0.05 apart, ~0.43 from the person's members (under the synthetic
    // threshold 0.58, so average linkage takes the pair in)...
    const middle = along(centre, randomDir(), 0.42);
    const pair = [0, 1].map(() => along(middle, randomDir(), 0.035));
    // ...and 0.33 from four faces of other people (one group photo, not clusterable).
    const others = [0, 1, 2, 3].map(() =>
      face(along(middle, randomDir(), 0.33), { photoId: 6000, clusterable: false }),
    );
    // With 6 members the person keeps ≥ 3 photos without the pair: the test applies. With 1, the pair and
    // that member are all the person has: it stands (a 3-photo person is often two alike photos and one more).
    for (const memberCount of [6, 1]) {
      const members = Array.from({ length: memberCount }, () => face(s.face(id, 0.3)));
      const twins = pair.map((v) => face(v));
      for (const twinTest of [false, true]) {
        const c = new PersonClusterer({ ...SYNTH, twinTest, newPersonId: counter() });
        c.addFaces([...members, ...others, ...twins].map((f) => ({ ...f })));
        c.recluster();
        const person = c.personOf(members[0]!.id);
        expect(person).not.toBeNull();
        const pairIn = twins.map((f) => c.personOf(f.id) === person);
        expect(pairIn).toEqual(twinTest && memberCount === 6 ? [false, false] : [true, true]);
      }
    }
  });

  it('removal empties persons', () => {
    const s = new SyntheticIdentities(16);
    const id = s.newIdentity();
    const c = new PersonClusterer({ ...SYNTH, newPersonId: counter() });
    const fs = [0, 1, 2].map(() => face(s.face(id)));
    c.addFaces(fs);
    const [p] = c.personIds();
    expect(c.removeFaces([fs[0]!.id]).emptiedPersons).toEqual([]);
    expect(c.membersOf(p!)).toHaveLength(2);
    const ch = c.removeFaces([fs[1]!.id, fs[2]!.id]);
    expect(ch.emptiedPersons).toEqual([p]);
    expect(c.personIds()).toEqual([]);
  });
});

describe('PersonClusterer recluster and user edits', () => {
  function world(seed: number, identities: number, perId: number) {
    const s = new SyntheticIdentities(seed);
    const ids = Array.from({ length: identities }, () => s.newIdentity(0));
    const faces = ids.flatMap((id) =>
      Array.from({ length: perId }, () => ({ truth: id, f: face(s.face(id)) })),
    );
    return { s, ids, faces };
  }

  it('recluster keeps person ids stable and mints none for unchanged groups', () => {
    const { faces } = world(21, 20, 6);
    const c = new PersonClusterer({ ...SYNTH, newPersonId: counter() });
    c.addFaces(faces.map((x) => x.f));
    const first = c.recluster();
    const snapshot = new Map(faces.map((x) => [x.f.id, c.personOf(x.f.id)]));
    expect(c.personIds().length).toBeGreaterThanOrEqual(18);
    const again = c.recluster();
    expect(again.assignments).toEqual([]);
    expect(again.createdPersons).toEqual([]);
    for (const [f, p] of snapshot) expect(c.personOf(f)).toBe(p);
    // A fresh clusterer loaded from the stored state keeps the same ids too.
    const d = new PersonClusterer({ ...SYNTH, newPersonId: counter() });
    d.load(
      faces.map((x) => ({ ...x.f, personId: snapshot.get(x.f.id)! })),
      c.personIds().map((id) => ({ id, mergedInto: null })),
    );
    const ch = d.recluster();
    expect(ch.createdPersons).toEqual([]);
    for (const [f, p] of snapshot) expect(d.personOf(f)).toBe(p);
    expect(first.emptiedPersons).toEqual([]);
  });

  it('recluster groups identities with high purity', () => {
    const { faces } = world(22, 40, 8);
    const c = new PersonClusterer(SYNTH);
    c.addFaces(faces.map((x) => x.f));
    c.recluster();
    const truthOf = new Map(faces.map((x) => [x.f.id, x.truth]));
    for (const p of c.personIds()) {
      const truths = new Set(c.membersOf(p).map((f) => truthOf.get(f)));
      expect(truths.size).toBe(1);
    }
    const assigned = faces.filter((x) => c.personOf(x.f.id) !== null).length;
    expect(assigned / faces.length).toBeGreaterThan(0.9);
  });

  /** What the store holds after the clusterer's run: each face with its person. */
  function stored(c: PersonClusterer, faces: ClusterFace[]): ClusterFace[] {
    return faces.map((f) => ({ ...f, personId: c.personOf(f.id) }));
  }

  it('honours pins, rejections and merges (applied by the edit rules, as the store does) through recluster', () => {
    const { s, ids, faces } = world(23, 4, 6);
    const c = new PersonClusterer({ ...SYNTH, newPersonId: counter() });
    c.addFaces(faces.map((x) => x.f));
    c.recluster();
    const personOfTruth = (t: number) => c.personOf(faces.find((x) => x.truth === t)!.f.id)!;
    const pA = personOfTruth(ids[0]!);
    const pB = personOfTruth(ids[1]!);
    const pC = personOfTruth(ids[2]!);
    expect(new Set([pA, pB, pC]).size).toBe(3);

    const state = new Map(
      stored(
        c,
        faces.map((x) => x.f),
      ).map((f) => [f.id, f]),
    );
    const edit = (id: number, next: Partial<ClusterFace>) => state.set(id, { ...state.get(id)!, ...next });
    // Pin a face of identity 3 onto A (a manual assignment): it must stay there.
    const stray = faces.find((x) => x.truth === ids[3])!.f;
    edit(stray.id, { personId: pA, pinnedPersonId: pA });
    // Reject one of A's own faces from A.
    const rejected = faces.filter((x) => x.truth === ids[0])[1]!.f;
    edit(rejected.id, rejectFace(state.get(rejected.id)!, pA));
    // Merge B into C.
    for (const f of state.values())
      if (f.personId === pB || f.personId === pC) edit(f.id, mergeFace(f, [pB], pC));
    const d = new PersonClusterer({ ...SYNTH, newPersonId: counter() });
    d.load(
      [...state.values()],
      [...c.personIds().map((id) => ({ id, mergedInto: id === pB ? pC : null })), { id: pB, mergedInto: pC }],
    );
    expect(d.personOf(rejected.id)).toBeNull();
    expect(d.retryWaiting().assignments.find((a) => a.faceId === rejected.id)?.personId ?? null).not.toBe(pA);

    for (let round = 0; round < 2; round++) {
      d.recluster();
      expect(d.personOf(stray.id)).toBe(pA);
      expect(d.personOf(rejected.id)).not.toBe(pA);
      expect(d.personIds()).not.toContain(pB);
      for (const x of faces.filter((y) => y.truth === ids[1])) expect(d.personOf(x.f.id)).toBe(pC);
      for (const x of faces.filter((y) => y.truth === ids[2])) expect(d.personOf(x.f.id)).toBe(pC);
    }
    // New faces never go to the merged-away B (here B and C are different synthetic identities, so the
    // merged person is too wide for a new face to join at all), and never join A if rejected.
    const late = face(s.face(ids[1]!));
    d.addFaces([late]);
    expect(d.personOf(late.id)).not.toBe(pB);
    const lateRejecting = face(s.face(ids[0]!), { rejectedPersonIds: [pA] });
    d.addFaces([lateRejecting]);
    expect(d.personOf(lateRejecting.id)).not.toBe(pA);
  });

  it('rejecting a person also rejects the person it is later merged into', () => {
    const { s, ids, faces } = world(25, 2, 5);
    const c = new PersonClusterer({ ...SYNTH, newPersonId: counter() });
    c.addFaces(faces.map((x) => x.f));
    c.recluster();
    const pA = c.personOf(faces.find((x) => x.truth === ids[0])!.f.id)!;
    const pB = c.personOf(faces.find((x) => x.truth === ids[1])!.f.id)!;
    // A new face of A that says "not A"; then the user merges A into B.
    const f = face(s.face(ids[0]!), { rejectedPersonIds: [pA] });
    c.addFaces([f]);
    expect(c.personOf(f.id)).not.toBe(pA);
    const merged = stored(c, [...faces.map((x) => x.f), f]).map((x) =>
      x.personId === pA || x.personId === pB ? { ...x, ...mergeFace(x, [pA], pB) } : x,
    );
    const d = new PersonClusterer({ ...SYNTH, newPersonId: counter() });
    d.load(merged, [
      { id: pA, mergedInto: pB },
      { id: pB, mergedInto: null },
    ]);
    d.retryWaiting();
    d.recluster();
    expect(d.personOf(f.id)).toBeNull();
    expect(d.personOf(faces[0]!.f.id)).toBe(pB);
  });

  it('a bad face in a batch is refused before anything changes', () => {
    const s = new SyntheticIdentities(26);
    const id = s.newIdentity();
    const c = new PersonClusterer(SYNTH);
    const good = [0, 1, 2].map(() => face(s.face(id)));
    const bad = face(new Float32Array(64));
    expect(() => c.addFaces([...good, bad])).toThrow(/64 dims/);
    const nan = face(s.face(id));
    nan.embedding[3] = Number.NaN;
    expect(() => c.addFaces([...good, nan])).toThrow(/non-finite/);
    expect(c.faceCount).toBe(0);
    expect(c.addFaces(good).createdPersons).toHaveLength(1);
    expect(() => c.addFaces([good[0]!])).toThrow(/already loaded/);
  });

  it('hub gate: faces near the average face join but never found a person', () => {
    const s = new SyntheticIdentities(27);
    const id = s.newIdentity();
    const hub = s.face(id, 0); // the identity centre itself serves as the "average face"
    const gated = new PersonClusterer({ ...SYNTH, hubGate: { mean: hub, minDistance: 0.5 } });
    gated.addFaces([0, 1, 2, 3].map(() => face(s.face(id, 0.9))));
    expect(gated.personIds()).toEqual([]);
    const open = new PersonClusterer({ ...SYNTH, hubGate: { mean: hub, minDistance: 0.1 } });
    open.addFaces([0, 1, 2, 3].map(() => face(s.face(id, 0.9))));
    expect(open.personIds()).toHaveLength(1);
  });

  it('load moves faces stored on merged-away persons to the target', () => {
    const s = new SyntheticIdentities(24);
    const id = s.newIdentity();
    const fs = [0, 1, 2].map(() => face(s.face(id), { personId: 'Cluster-old' }));
    const c = new PersonClusterer(SYNTH);
    const ch = c.load(fs, [
      { id: 'Cluster-old', mergedInto: 'Cluster-new' },
      { id: 'Cluster-new', mergedInto: null },
    ]);
    expect(ch.assignments.map((a) => a.personId)).toEqual(['Cluster-new', 'Cluster-new', 'Cluster-new']);
    expect(c.recluster().assignments).toEqual([]);
    expect(c.personIds()).toEqual(['Cluster-new']);
  });
});
