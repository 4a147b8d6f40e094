/**
 * Answers of the album's reads, kept until anything in the database changes. A people page costs a
 * few hundred microseconds of SQLite however big the album, but a page read again and again (a grid
 * refreshed, many clients) then costs nothing; any write on this connection (indexing, clustering, an
 * edit) or a commit by another process (PRAGMA data_version) starts it afresh. Entries are bounded.
 */
export class ReadMemo {
  private version = '';
  private readonly entries = new Map<string, unknown>();

  constructor(
    private readonly currentVersion: () => string,
    private readonly maxEntries = 200,
  ) {}

  get<T>(key: string, compute: () => T): T {
    const version = this.currentVersion();
    if (version !== this.version) {
      this.entries.clear();
      this.version = version;
    }
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const value = compute();
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, value);
    return value;
  }
}
