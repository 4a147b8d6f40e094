import Database from 'better-sqlite3';
const db = new Database(process.argv[2]);
db.pragma('journal_mode = WAL');
const paths = db.prepare('select path from photos limit 2000').all().map(r => r.path);
const st = db.prepare('SELECT p.id, p.path, p.hash, a.width, a.height, a.taken_at FROM photos p JOIN analyses a ON a.hash = p.hash WHERE p.path = ?');
for (const p of paths) st.get(p);
