import type { Db } from './database';

/**
 * `analysis_faces.attributes`: the face's attributes as JSON (FaceAttributes), computed once with the
 * analysis. NULL marks an analysis made before the engine read attributes: `face-album reanalyse` fills
 * those (see local/cli/reanalyse-command.ts); until then such faces show `attributes: {}`.
 */
export function migrateFaceAttributes(db: Db): void {
  const has =
    db.prepare(`SELECT 1 FROM pragma_table_xinfo('analysis_faces') WHERE name = 'attributes'`).get() !==
    undefined;
  if (!has) db.exec('ALTER TABLE analysis_faces ADD COLUMN attributes TEXT');
}
