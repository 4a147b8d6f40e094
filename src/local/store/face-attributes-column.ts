import type { Db } from './database';
import { hasColumn } from './table-columns';

/**
 * `analysis_faces.attributes`: the face's attributes as JSON (FaceAttributes), computed once with the
 * analysis. NULL marks an analysis made before the engine read attributes: `face-album reanalyse` fills
 * those (see local/cli/reanalyse-command.ts); until then such faces show `attributes: {}`.
 */
export function migrateFaceAttributes(db: Db): void {
  if (!hasColumn(db, 'analysis_faces', 'attributes'))
    db.exec('ALTER TABLE analysis_faces ADD COLUMN attributes TEXT');
}
