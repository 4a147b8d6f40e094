/**
 * A local album on real SQLite (the project's stores and backend) fed with synthetic face embeddings
 * instead of analysed photos: analyses are stored by content hash as the indexer would, so copies of one
 * photo are rows sharing a hash. The engine is never started. Used by the store and clustering tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clusteringSession } from '../../src/local/cluster/clustering-session';
import type { ClustererOptions } from '../../src/local/cluster/person-clusterer';
import type { DetectedFace } from '../../src/local/engine/face-engine';
import type { PhotoFolder } from '../../src/local/folder/photo-folder';
import { type FaceClusterer, LocalBackend } from '../../src/local/local-backend';
import { type Db, openDatabase } from '../../src/local/store/database';
import { EditLogStore } from '../../src/local/store/edit-log-store';
import { FaceEditsStore } from '../../src/local/store/face-edits-store';
import { PeopleStore } from '../../src/local/store/people-store';
import { PhotoStore } from '../../src/local/store/photo-store';
import { TaskStore } from '../../src/local/store/task-store';
import { UnknownFacesStore } from '../../src/local/store/unknown-faces-store';
import { SYNTHETIC_THRESHOLDS, syntheticFace } from './synthetic-faces';

const quiet = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return quiet;
  },
};

/** A face of a synthetic photo: its face-api embedding, or that and its second vector. */
export type SyntheticVectors = Float32Array | { embedding: Float32Array; second: Float32Array };

/** Where the synthetic album puts face `i` of a photo. */
export const syntheticBox = (i: number) => ({ left: 10 + i * 120, top: 10, width: 100, height: 110 });

function detected(face: SyntheticVectors, i: number): DetectedFace {
  return face instanceof Float32Array
    ? syntheticFace(face, { box: syntheticBox(i) })
    : syntheticFace(face.embedding, { box: syntheticBox(i), second: face.second });
}

export class SyntheticAlbum {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'face-album-synthetic-'));
  readonly db: Db = openDatabase(path.join(this.dir, 'album.db'));
  readonly photos = new PhotoStore(this.db);
  readonly people = new PeopleStore(this.db, (p) => `oss://local/${p}`);
  readonly tasks = new TaskStore(this.db);
  backend: LocalBackend;
  private mtime = 1;

  constructor(
    opts: Partial<ClustererOptions> = SYNTHETIC_THRESHOLDS,
    /** Another clusterer (e.g. one running in a ClusterThread) of the album's SQLite file; clusteringSession(opts) by default. */
    private readonly clusterer: (dbFile: string) => FaceClusterer = () => clusteringSession(opts),
  ) {
    this.backend = this.newBackend();
  }

  /** A fresh backend and clusterer on the same data, as after a restart (a new process). */
  restart(): void {
    this.backend = this.newBackend();
  }

  private newBackend(): LocalBackend {
    return new LocalBackend({
      bucket: 'local',
      folder: {} as PhotoFolder,
      photos: this.photos,
      people: this.people,
      tasks: this.tasks,
      edits: new FaceEditsStore(this.db),
      editLog: new EditLogStore(this.db),
      unknownFaces: new UnknownFacesStore(this.db),
      engine: () => Promise.reject(new Error('no engine in synthetic albums')),
      clusterer: this.clusterer(this.db.name),
      isClusterable: () => true,
      concurrency: 1,
    });
  }

  /** Stores the analysis of content `hash` (once) and a photo at `file` showing it; returns its face ids. */
  addPhoto(file: string, hash: string, faces: SyntheticVectors[]): number[] {
    if (!this.photos.findAnalysis(hash))
      this.photos.saveAnalysis(hash, {
        width: 600,
        height: 400,
        takenAt: null,
        faces: faces.map(detected),
      });
    this.photos.upsertPhoto(file, hash, { size: 1000, mtimeMs: this.mtime++ }, () => true);
    return this.faceIdsOf(file);
  }

  faceIdsOf(file: string): number[] {
    return (
      this.db
        .prepare(
          'SELECT f.id FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.path = ? ORDER BY f.idx',
        )
        .all(file) as { id: number }[]
    ).map((r) => r.id);
  }

  personOf(faceId: number): string | null {
    return (
      this.db.prepare('SELECT person_id FROM faces WHERE id = ?').get(faceId) as {
        person_id: string | null;
      }
    ).person_id;
  }

  async cluster(full = false): Promise<void> {
    const run = await this.backend.runClustering({ deadline: Date.now() + 60_000, log: quiet, full });
    if (run.outcome === 'failed') throw new Error(`clustering failed: ${run.reason}`);
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
