import type { Db } from './database';
import { hasColumn } from './table-columns';

/**
 * "Not a face" marks and the stored grouping of the faces no person holds (the "Unknown faces" review).
 *
 * The grouping is written whole by each clustering pass (UnknownFacesStore.replaceGroups) and kept right
 * between passes by triggers, so reading a page of groups never aggregates: a face given to a person or
 * marked "not a face" leaves its group at once (its group's size drops), and a face that becomes unknown
 * by an edit ("not this person", an undo, "is a face") waits in a group of its own until the next pass.
 * Group sizes are stored, and the list is read in (size, id) order from an index. Faces seen in videos
 * are never unknown faces (a video frame is not a photo to review); the join trigger is re-made on open
 * so data dirs from before videos get that condition.
 */
export const UNKNOWN_FACES_SQL = `
CREATE TABLE IF NOT EXISTS unknown_groups (id INTEGER PRIMARY KEY AUTOINCREMENT, size INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS unknown_groups_by_size ON unknown_groups(size, id) WHERE size > 0;
CREATE TABLE IF NOT EXISTS unknown_faces (
  face_id INTEGER PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE,
  group_id INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS unknown_faces_group ON unknown_faces(group_id, face_id);
CREATE INDEX IF NOT EXISTS faces_not_a_face ON faces(id) WHERE not_a_face = 1;
CREATE TRIGGER IF NOT EXISTS unknown_faces_size_insert AFTER INSERT ON unknown_faces BEGIN
  UPDATE unknown_groups SET size = size + 1 WHERE id = NEW.group_id; END;
CREATE TRIGGER IF NOT EXISTS unknown_faces_size_delete AFTER DELETE ON unknown_faces BEGIN
  UPDATE unknown_groups SET size = size - 1 WHERE id = OLD.group_id; END;
CREATE TRIGGER IF NOT EXISTS faces_unknown_leave AFTER UPDATE OF person_id, not_a_face ON faces
  WHEN NEW.person_id IS NOT NULL OR NEW.not_a_face = 1 BEGIN
  DELETE FROM unknown_faces WHERE face_id = NEW.id; END;
DROP TRIGGER IF EXISTS faces_unknown_join;
CREATE TRIGGER faces_unknown_join AFTER UPDATE OF person_id, not_a_face ON faces
  WHEN NEW.person_id IS NULL AND NEW.not_a_face = 0 AND NEW.video = 0 AND (OLD.person_id IS NOT NULL OR OLD.not_a_face = 1)
    AND NOT EXISTS (SELECT 1 FROM unknown_faces WHERE face_id = NEW.id) BEGIN
  INSERT INTO unknown_groups (size) VALUES (0);
  INSERT INTO unknown_faces (face_id, group_id) VALUES (NEW.id, last_insert_rowid()); END;
`;

/**
 * Adds `not_a_face` to a data dir made before it: the column on faces and on the memory of removed
 * photos, and the face count's triggers again with their "not a face" condition (every face counted
 * so far is a face, so the stored count stays right). Runs before the person stats' migration.
 */
export function migrateNotAFace(db: Db): void {
  const has = (table: string) => hasColumn(db, table, 'not_a_face');
  db.transaction(() => {
    if (!has('faces')) {
      db.exec('ALTER TABLE faces ADD COLUMN not_a_face INTEGER NOT NULL DEFAULT 0');
      db.exec('DROP TRIGGER IF EXISTS faces_count_insert; DROP TRIGGER IF EXISTS faces_count_delete;');
    }
    if (!has('face_memory'))
      db.exec('ALTER TABLE face_memory ADD COLUMN not_a_face INTEGER NOT NULL DEFAULT 0');
  })();
}
