import type { TaskType } from '../album/types';
import { TASK_TYPE_CLUSTERING } from './imm-wire';

/**
 * Album task ids are opaque: they carry the IMM TaskType next to the TaskId because GetTask
 * needs both. The merging task's TaskType is not in the stored IMM docs (the EventBridge event is
 * `imm:Task:FigureClustersMerging`, and for clustering the event name `FigureClustering` differs
 * from the TaskType `FaceClustering`), so `FigureClustersMerging` is a best guess — verify on a
 * real account (GetTask answers InvalidArgument/ResourceNotFound if it is wrong).
 */
export const TASK_TYPE_MERGING = 'FigureClustersMerging';

const IMM_TYPE: Record<TaskType, string> = { clustering: TASK_TYPE_CLUSTERING, merge: TASK_TYPE_MERGING };

export function encodeTaskId(type: TaskType, immTaskId: string): string {
  return Buffer.from(JSON.stringify({ t: type, i: immTaskId })).toString('base64url');
}

export function decodeTaskId(id: string): { type: TaskType; immTaskType: string; immTaskId: string } | null {
  try {
    const v = JSON.parse(Buffer.from(id, 'base64url').toString('utf8')) as { t?: unknown; i?: unknown };
    if ((v.t === 'clustering' || v.t === 'merge') && typeof v.i === 'string' && v.i) {
      return { type: v.t, immTaskType: IMM_TYPE[v.t], immTaskId: v.i };
    }
  } catch {
    /* not one of ours */
  }
  return null;
}
