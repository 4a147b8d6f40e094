import type { Db } from './database';

/** The keys of the `meta` table; one owner for each. */
export type MetaKey =
  /** The photos folder this data dir belongs to (local-runtime binds it on first use). */
  | 'photos_dir'
  /** The clusterable rule the stored per-face flags were computed with (PhotoStore). */
  | 'clusterable_rule'
  /** Bumped on every change to the set of faces (PhotoStore). */
  | 'generation'
  /** The generation the last successful clustering saw (TaskStore). */
  | 'clustered_generation'
  /** The vectors the last full clustering pass ran on, a VectorKind (PeopleStore); absent: face-api's. */
  | 'clustered_vectors';

/** The only code that reads or writes the `meta` table: small named values of one album. */
export class MetaStore {
  constructor(private readonly db: Db) {}

  get(key: MetaKey): string | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row ? row.value : null;
  }

  set(key: MetaKey, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  /** Sets the value only when none is stored; returns the value that holds afterwards. */
  setOnce(key: MetaKey, value: string): string {
    this.db
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING')
      .run(key, value);
    return this.get(key)!;
  }

  increment(key: MetaKey): void {
    this.db
      .prepare(
        `INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`,
      )
      .run(key);
  }
}
