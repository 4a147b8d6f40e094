import type { Db } from './database';
import { hasColumn } from './table-columns';

/**
 * What a video's analysis adds to the tables of photo analyses: its media type and length, and for each
 * of its kept faces the time it was seen, its track (one person within the video: the faces of a track
 * are one unit to the clusterer) and the track's spans (JSON `[{fromSeconds, toSeconds}]`).
 */
const COLUMNS: [table: string, column: string][] = [
  ['analyses', `media_type TEXT NOT NULL DEFAULT 'image'`],
  ['analyses', 'duration_seconds REAL'],
  ['analysis_faces', 'time_seconds REAL'],
  ['analysis_faces', 'track INTEGER'],
  ['analysis_faces', 'spans TEXT'],
];

export function migrateVideoColumns(db: Db): void {
  db.transaction(() => {
    for (const [table, column] of COLUMNS)
      if (!hasColumn(db, table, column.split(' ')[0]!)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column}`);
  })();
}
