import type { Db } from './database';

/** Whether `table` has `column` (false when the table does not exist): what every column migration asks. */
export function hasColumn(db: Db, table: string, column: string): boolean {
  return db.prepare('SELECT 1 FROM pragma_table_xinfo(?) WHERE name = ?').get(table, column) !== undefined;
}
