import type { TaskType } from '../album/types';

/** Task tags: which dataset a task belongs to (tasks are per project) and what it clustered. */
export const DATASET_TAG = 'album_dataset';
export const FINGERPRINT_TAG = 'album_fingerprint';
/** A merge task's own id, chosen by us: the merging TaskType is undocumented (imm-facts §1). */
export const MERGE_TAG = 'album_merge';

/**
 * Album task ids are opaque. A clustering id carries IMM's TaskId (GetTask with the documented
 * TaskType `FaceClustering`). A merge id carries the MERGE_TAG value we gave the task: it is
 * found with ListTasks filtered by that tag, never by guessing the merging TaskType for GetTask.
 */
export type DecodedTaskId =
  | { type: 'clustering'; immTaskId: string }
  | { type: 'merge'; immTaskId: string; mergeTag: string };

export function encodeTaskId(type: TaskType, immTaskId: string, mergeTag?: string): string {
  return Buffer.from(
    JSON.stringify({ t: type, i: immTaskId, ...(mergeTag ? { g: mergeTag } : {}) }),
  ).toString('base64url');
}

export function decodeTaskId(id: string): DecodedTaskId | null {
  try {
    const v = JSON.parse(Buffer.from(id, 'base64url').toString('utf8')) as {
      t?: unknown;
      i?: unknown;
      g?: unknown;
    };
    if (typeof v.i !== 'string' || !v.i) return null;
    if (v.t === 'clustering') return { type: 'clustering', immTaskId: v.i };
    if (v.t === 'merge' && typeof v.g === 'string' && v.g)
      return { type: 'merge', immTaskId: v.i, mergeTag: v.g };
  } catch {
    /* not one of ours */
  }
  return null;
}
