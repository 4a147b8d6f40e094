import type { Person } from './api';

/** Edits made in one view that another view (the kept-alive People grid) must reflect. */
export type PersonEvent =
  | { kind: 'changed'; person: Person }
  | { kind: 'gone'; id: string }
  | { kind: 'stale' };

const listeners = new Set<(e: PersonEvent) => void>();

export function onPersonEvent(fn: (e: PersonEvent) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function emitPersonEvent(e: PersonEvent): void {
  for (const fn of listeners) fn(e);
}

/** People the grid already has, so a person view can draw its header before its own request returns. */
const known = new Map<string, Person>();
export const rememberPerson = (p: Person): void => {
  known.set(p.id, p);
};
export const knownPerson = (id: string): Person | null => known.get(id) ?? null;
