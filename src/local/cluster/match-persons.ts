/**
 * Keeps person ids stable across a full re-cluster: each new group inherits the old person it shares the
 * most faces with (greedy maximum overlap, one old person per group); groups with no free old person get
 * none (the caller mints a new id).
 *
 * @param groups for each new group, the old person id of each member face (null = was unassigned)
 * @param taken old ids that must not be handed out (already fixed by pins, or merged away)
 * @param preferred old ids (user-edited persons) matched before all others, each to its best group
 */
export function matchGroupsToPersons(
  groups: (string | null)[][],
  taken: Set<string>,
  preferred: Set<string> = new Set(),
): (string | null)[] {
  const triples: { g: number; p: string; overlap: number }[] = [];
  groups.forEach((olds, g) => {
    const counts = new Map<string, number>();
    for (const p of olds) if (p !== null && !taken.has(p)) counts.set(p, (counts.get(p) ?? 0) + 1);
    for (const [p, overlap] of counts) triples.push({ g, p, overlap });
  });
  // User-edited persons first, then largest overlap; ties go to the smaller group (the old person is a bigger share of it), then by id.
  triples.sort(
    (x, y) =>
      Number(preferred.has(y.p)) - Number(preferred.has(x.p)) ||
      y.overlap - x.overlap ||
      groups[x.g]!.length - groups[y.g]!.length ||
      (x.p < y.p ? -1 : x.p > y.p ? 1 : x.g - y.g),
  );
  const result: (string | null)[] = groups.map(() => null);
  const used = new Set<string>();
  for (const t of triples) {
    if (result[t.g] !== null || used.has(t.p)) continue;
    result[t.g] = t.p;
    used.add(t.p);
  }
  return result;
}
