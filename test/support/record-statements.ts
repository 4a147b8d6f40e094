import type { Db } from '../../src/local/store/database';

/** Every SQL statement a piece of code runs, with its parameters. */
export function recordStatements(db: Db): { sql: string; args: unknown[] }[] & { stop(): void } {
  const seen: { sql: string; args: unknown[] }[] = [];
  const prepare = db.prepare.bind(db);
  let recording = true;
  const wrapped = new WeakSet<object>();
  db.prepare = ((sql: string) => {
    const stmt = prepare(sql);
    if (wrapped.has(stmt)) return stmt;
    wrapped.add(stmt);
    for (const m of ['all', 'get', 'iterate'] as const) {
      const real = stmt[m].bind(stmt) as (...a: unknown[]) => unknown;
      (stmt as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => {
        if (recording) seen.push({ sql, args });
        return real(...args);
      };
    }
    return stmt;
  }) as typeof db.prepare;
  return Object.assign(seen, { stop: () => (recording = false) });
}
