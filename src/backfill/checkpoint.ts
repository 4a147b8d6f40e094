import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface BackfillCounts {
  /** Objects listed under the prefix. */
  listed: number;
  /** Of those, photos by the indexer's rule. */
  photos: number;
  /** Photos IMM accepted for indexing. */
  indexed: number;
  /** Listed objects that are not photos (other suffixes, folder markers). */
  skipped: number;
  /** Photos IMM refused (bad URI, not an image): logged with the reason. */
  failed: number;
  /** Reconcile: dataset entries whose object is gone, removed. */
  removed: number;
}

export const zeroCounts = (): BackfillCounts => ({
  listed: 0,
  photos: 0,
  indexed: 0,
  skipped: 0,
  failed: 0,
  removed: 0,
});

/** Where a run stands, saved after every finished page; a rerun continues from here. */
export interface Checkpoint {
  version: 1;
  /** What the run is about; a checkpoint of another bucket/prefix/dataset is never used. */
  scope: { bucket: string; prefix: string; project: string; dataset: string; reconcile: boolean };
  phase: 'index' | 'prune';
  /** Continuation token of the next bucket page to index (null = from the start). */
  listToken: string | null;
  /**
   * Reconcile: the SimpleQuery NextToken of the next dataset page to scan, whether the scan is
   * complete, and the entries found gone that are not removed yet.
   */
  prune: {
    token: string | null;
    scanned: boolean;
    gone: string[];
    /** The same scan over the frames of videos (`.album-frames/<prefix>`): a gone video is in `gone`. */
    frames?: { token: string | null; scanned: boolean };
  } | null;
  /** Photos under the prefix, from the counting pass (progress and ETA). */
  total: number | null;
  counts: BackfillCounts;
  startedAt: string;
  updatedAt: string;
}

/** A JSON file replaced atomically (write + rename), so kill -9 leaves the old or the new one. */
export class CheckpointFile {
  constructor(readonly file: string) {}

  load(): Checkpoint | null {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return null;
    }
    const c = JSON.parse(text) as Checkpoint;
    if (c.version !== 1) throw new Error(`${this.file}: unknown checkpoint version ${String(c.version)}`);
    return c;
  }

  save(c: Checkpoint): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ ...c, updatedAt: new Date().toISOString() }, null, 2)}\n`);
    renameSync(tmp, this.file);
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}
