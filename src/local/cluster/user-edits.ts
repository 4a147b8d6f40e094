/**
 * What a user edit does to a face's clustering constraints — the one owner of these rules. The store
 * applies them in its transaction (src/local/store/people-store.ts); the clusterer never edits, it only
 * honours what they leave behind: pins always win, rejected persons are never joined (following merges),
 * merged-away persons resolve to their target and are never reused.
 */
export interface FaceConstraints {
  personId: string | null;
  pinnedPersonId: string | null;
  rejectedPersonIds: string[];
}

/**
 * "These persons are one": a face of `into` or of any of `from` ends on `into`, pinned there so no
 * re-cluster splits the merged person again (the target's own faces too), and no longer rejects any of them.
 */
export function mergeFace(face: FaceConstraints, from: readonly string[], into: string): FaceConstraints {
  const merged = new Set([into, ...from]);
  return {
    personId: into,
    pinnedPersonId: into,
    rejectedPersonIds: face.rejectedPersonIds.filter((id) => !merged.has(id)),
  };
}

/**
 * "Not this person": the face leaves the person, loses its pin there and never rejoins it (nor what it is
 * merged into). Applied to every copy of the face's photo: a face elsewhere only gains the rejection.
 */
export function rejectFace(face: FaceConstraints, personId: string): FaceConstraints {
  const leaves = face.personId === personId || face.pinnedPersonId === personId;
  return {
    personId: leaves ? null : face.personId,
    pinnedPersonId: leaves ? null : face.pinnedPersonId,
    rejectedPersonIds: face.rejectedPersonIds.includes(personId)
      ? face.rejectedPersonIds
      : [...face.rejectedPersonIds, personId],
  };
}
