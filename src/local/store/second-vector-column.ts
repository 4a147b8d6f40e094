import type { Db } from './database';
import { hasColumn } from './table-columns';

/**
 * `analysis_faces.second`: the face's second identity vector (Human's faceres, 1024 float32, unit length;
 * DetectedFace.second). NULL marks an analysis made before the engine computed it: `face-album reanalyse`
 * fills those (indexing/reanalysis.ts). The album clusters on fused vectors only once no face it clusters
 * lacks one (cluster/fused-vectors.ts): the partial index holds just the faces without one, so asking
 * "does any face lack it?" reads a handful of index entries, not every face — an empty index once the
 * album is complete.
 */
export function migrateSecondVector(db: Db): void {
  if (!hasColumn(db, 'analysis_faces', 'second'))
    db.exec('ALTER TABLE analysis_faces ADD COLUMN second BLOB');
  db.exec(
    'CREATE INDEX IF NOT EXISTS analysis_faces_without_second ON analysis_faces(hash, idx) WHERE second IS NULL',
  );
}
