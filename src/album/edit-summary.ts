import type { EditKind, PersonPatch } from './types';

/** What a person is called in an edit's summary. */
export const personLabel = (name: string | null | undefined): string =>
  name ? `"${name}"` : 'an unnamed person';

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The kind of a PATCH /people/:id edit: a name change wins, then hiding, then labels. */
export function patchKind(patch: PersonPatch): EditKind {
  if (patch.name !== undefined) return 'rename';
  if (patch.hidden !== undefined) return patch.hidden ? 'hide' : 'unhide';
  return 'labels';
}

/** The status line of each edit, in words a person reads after clicking (and before undoing). */
export const editSummary = {
  patch(before: string | null, patch: PersonPatch): string {
    const kind = patchKind(patch);
    if (kind === 'rename')
      return patch.name
        ? `Renamed ${personLabel(before)} to "${patch.name}"`
        : `Removed the name ${personLabel(before)}`;
    if (kind === 'hide') return `Hid ${personLabel(before)}`;
    if (kind === 'unhide') return `Showed ${personLabel(before)} again`;
    return `Changed the labels of ${personLabel(before)}`;
  },
  merge: (people: number, into: string | null) =>
    `Merged ${count(people, 'person', 'people')} into ${personLabel(into)}`,
  notThisPerson: (name: string | null) => `Took a face away from ${personLabel(name)}`,
  cover: (name: string | null) => `Chose the cover of ${personLabel(name)}`,
  give: (faces: number, name: string | null, isNew: boolean) =>
    `Gave ${count(faces, 'face')} to ${isNew ? (name ? `a new person "${name}"` : 'a new person') : personLabel(name)}`,
  notAFace: (faces: number, notAFace: boolean) =>
    notAFace
      ? `Marked ${count(faces, 'face')} as not a face`
      : `Marked ${count(faces, 'face')} as a face again`,
};
