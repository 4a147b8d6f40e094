/**
 * PersonClusterer.unknownGroups: the faces no person holds, grouped by similarity for the "Unknown faces"
 * review — faces of one stranger together, strangers apart, no face a person holds, never two faces of
 * one photo in a group; after a full re-cluster and after faces arrive one by one.
 */
import { expect, it } from 'vitest';
import { PersonClusterer } from '../src/local/cluster/person-clusterer';
import { clusterFace, TightGroups } from './support/synthetic-faces';

const sorted = (groups: number[][]) =>
  groups.map((g) => [...g].sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);

it('groups each stranger’s faces apart from the others and from the people', () => {
  const g = new TightGroups(3, 0.02);
  const c = new PersonClusterer({ minFaces: 3 });
  // Person 0 with 5 photos; strangers 1 and 2 with 2 photos each (too few to found a person); stranger 3
  // twice in ONE photo (a mirror): those two must not share a group.
  const faces = [
    ...[1, 2, 3, 4, 5].map((i) => clusterFace(i, i, g.face(0))),
    clusterFace(6, 6, g.face(1)),
    clusterFace(7, 7, g.face(1)),
    clusterFace(8, 8, g.face(2)),
    clusterFace(9, 9, g.face(2)),
    clusterFace(10, 10, g.face(3)),
    clusterFace(11, 10, g.face(3)),
  ];
  c.load(faces, []);
  c.recluster();
  expect(c.personOf(1)).not.toBeNull();
  expect(sorted(c.unknownGroups())).toEqual([[6, 7], [8, 9], [10], [11]]);
  // A face that arrives later joins its stranger's group (searched then; the others come from the graph).
  c.addFaces([clusterFace(12, 12, g.face(2))].map((f) => ({ ...f, clusterable: false })));
  expect(sorted(c.unknownGroups())).toEqual([[6, 7], [8, 9, 12], [10], [11]]);
  c.removeFaces([8]);
  expect(sorted(c.unknownGroups())).toEqual([[6, 7], [9, 12], [10], [11]]);
});
