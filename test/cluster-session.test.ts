/**
 * The backend's clustering adapter around the real PersonClusterer: it keeps the clusterer between runs
 * only while the store matches what the clusterer last saw. Synthetic embeddings (tight groups far apart).
 */
import { describe, expect, it } from 'vitest';
import type { ClusterFace, ClusterPerson } from '../src/local/cluster/cluster-types';
import { clusteringSession } from '../src/local/cluster/clustering-session';
import type { ClusterSource } from '../src/local/local-backend';
import { clusterFace, TightGroups } from './support/synthetic-faces';

const groups = new TightGroups(11, 0.01);
const near = (c: number) => groups.face(c);

/** A store in memory: faces with person ids that the test "persists" like the backend does. */
class MemoryStore implements ClusterSource {
  faces = new Map<number, ClusterFace>();
  persons: () => ClusterPerson[] = () => this.people.map((id) => ({ id, mergedInto: null }));
  people: string[] = [];
  requested: number[][] = [];
  add(id: number, person: number) {
    this.faces.set(id, clusterFace(id, id, near(person)));
  }
  faceStates() {
    return [...this.faces.values()].map(({ embedding: _e, ...s }) => s);
  }
  embeddings(ids: number[]) {
    this.requested.push([...ids].sort((a, b) => a - b));
    return new Map(ids.map((id) => [id, this.faces.get(id)!.embedding]));
  }
  apply(changes: { assignments: { faceId: number; personId: string | null }[]; createdPersons: string[] }) {
    for (const a of changes.assignments) this.faces.get(a.faceId)!.personId = a.personId;
    this.people.push(...changes.createdPersons);
  }
  personOf(id: number) {
    return this.faces.get(id)!.personId;
  }
}

describe('clusteringSession adapter', () => {
  it('founds people, then places new faces without rebuilding, and rebuilds when the store moved under it', () => {
    const store = new MemoryStore();
    const clustering = clusteringSession();
    for (let i = 1; i <= 12; i++) store.add(i, (i - 1) % 3);
    store.apply(clustering.cluster({ source: store, full: false }) as never);
    clustering.committed!();
    expect(store.requested.at(-1)).toHaveLength(12);
    expect(new Set([1, 4, 7, 10].map((id) => store.personOf(id))).size).toBe(1);
    expect(new Set([1, 2, 3].map((id) => store.personOf(id))).size).toBe(3);

    // A new face: only its embedding is read, and it joins its person.
    store.add(13, 0);
    store.apply(clustering.cluster({ source: store, full: false }) as never);
    clustering.committed!();
    expect(store.requested.at(-1)).toEqual([13]);
    expect(store.personOf(13)).toBe(store.personOf(1));

    // Someone else changed an assignment (an edit, another process): the next run rebuilds from the store.
    store.faces.get(4)!.personId = store.personOf(2);
    store.faces.get(4)!.pinnedPersonId = store.personOf(2);
    store.add(14, 2);
    store.apply(clustering.cluster({ source: store, full: false }) as never);
    clustering.committed!();
    expect(store.requested.at(-1)).toHaveLength(14);
    expect(store.personOf(4)).toBe(store.personOf(2)); // the pin holds
    expect(store.personOf(14)).toBe(store.personOf(3));

    // Changes that were never stored: no reuse either.
    store.add(15, 2);
    clustering.cluster({ source: store, full: false });
    store.add(16, 2);
    clustering.cluster({ source: store, full: false });
    expect(store.requested.at(-1)).toHaveLength(16);
  });

  it('a removed face leaves the kept clusterer', () => {
    const store = new MemoryStore();
    const clustering = clusteringSession();
    for (let i = 1; i <= 9; i++) store.add(i, (i - 1) % 3);
    store.apply(clustering.cluster({ source: store, full: false }) as never);
    clustering.committed!();
    const person = store.personOf(1);
    store.faces.delete(1);
    store.faces.delete(4);
    store.faces.delete(7);
    const changes = clustering.cluster({ source: store, full: false }) as { emptiedPersons: string[] };
    clustering.committed!();
    expect(store.requested.at(-1)).toEqual([]);
    expect(changes.emptiedPersons).toContain(person);
  });
});
