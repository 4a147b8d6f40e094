import { randomUUID } from 'node:crypto';
import type { TaskRecord, TaskStatus, TaskType } from '../../album/types';
import type { Db } from './database';
import { MetaStore } from './meta-store';

interface TaskRow {
  id: string;
  type: TaskType;
  status: TaskStatus;
  code: string | null;
  message: string | null;
  started_at: string | null;
  ended_at: string | null;
}

const toRecord = (r: TaskRow): TaskRecord => ({
  id: r.id,
  type: r.type,
  status: r.status,
  code: r.code,
  message: r.message,
  startedAt: r.started_at,
  endedAt: r.ended_at,
});

/** Clustering runs and merges, recorded like IMM tasks so GET /tasks/:id and stats work the same. */
export class TaskStore {
  private readonly meta: MetaStore;

  constructor(private readonly db: Db) {
    this.meta = new MetaStore(db);
  }

  start(type: TaskType): TaskRecord {
    const id = `${type === 'clustering' ? 'FaceClustering' : 'MergeFigureClusters'}-${randomUUID()}`;
    this.db
      .prepare(`INSERT INTO tasks (id, type, status, started_at) VALUES (?, ?, 'running', ?)`)
      .run(id, type, new Date().toISOString());
    return this.get(id)!;
  }

  finish(
    id: string,
    status: Exclude<TaskStatus, 'running'>,
    details: { code?: string; message?: string; stats?: Record<string, unknown> } = {},
  ): TaskRecord {
    this.db
      .prepare('UPDATE tasks SET status = ?, code = ?, message = ?, ended_at = ?, details = ? WHERE id = ?')
      .run(
        status,
        details.code ?? null,
        details.message ?? null,
        new Date().toISOString(),
        details.stats ? JSON.stringify(details.stats) : null,
        id,
      );
    return this.get(id)!;
  }

  get(id: string): TaskRecord | null {
    const r = this.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
    return r ? toRecord(r) : null;
  }

  last(type: TaskType): TaskRecord | null {
    const r = this.db
      .prepare('SELECT * FROM tasks WHERE type = ? ORDER BY started_at DESC, rowid DESC LIMIT 1')
      .get(type) as TaskRow | undefined;
    return r ? toRecord(r) : null;
  }

  /** Generation of the face set that the last successful clustering saw. */
  clusteredGeneration(): number {
    return Number(this.meta.get('clustered_generation') ?? -1);
  }

  setClusteredGeneration(gen: number): void {
    this.meta.set('clustered_generation', String(gen));
  }

  /** Faces the album had at its last successful full clustering (0 when it never had one). */
  fullClusteredFaces(): number {
    const r = this.db.prepare(`SELECT value FROM meta WHERE key = 'full_clustered_faces'`).get() as
      | { value: string }
      | undefined;
    return r ? Number(r.value) : 0;
  }

  setFullClusteredFaces(faces: number): void {
    this.db
      .prepare(
        `INSERT INTO meta (key, value) VALUES ('full_clustered_faces', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      )
      .run(String(faces));
  }

  /** A run left 'running' by a killed process would otherwise look alive forever. */
  failAbandoned(): void {
    this.db
      .prepare(
        `UPDATE tasks SET status = 'failed', code = 'Abandoned', message = 'process stopped during the task', ended_at = ? WHERE status = 'running'`,
      )
      .run(new Date().toISOString());
  }
}
