/**
 * The API while a full clustering pass runs: serves an album (the one bench:api builds, ≥100k faces)
 * with the real local server in this process, sends sequential `GET /people?limit=50` from a child
 * process the whole time, runs a full pass (`recluster`'s: ids and edits kept) and prints the latency of
 * the requests sent before and during the pass, the main thread's longest stall (perf_hooks event-loop
 * delay) and what the pass cost it. Modes, run in turn in one run on the same album:
 *   main    the clusterer on the main thread (scan, recluster; `start` before the clustering thread)
 *   thread  the clusterer in the clustering thread (ClusterThread; what `start` does)
 *
 *   npm run bench:cluster-serve -- [--dir .bench/api-album] [--modes main,thread] [--rounds 1]
 *     [--path '/people?limit=50'] [--memo text|objects|off]
 *
 * --memo off makes every read a SQLite read (FACE_ALBUM_READ_MEMO): with the default, the album does
 * not change during the pass, so reads are answered from memory and what is measured is the event loop.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { ClusterThread } from '../src/local/cluster/cluster-thread';
import { clusteringSession } from '../src/local/cluster/clustering-session';
import { openLocalAlbum } from '../src/local/local-runtime';
import { startLocalServer } from '../src/local/server/local-server';
import { createLogger } from '../src/log/logger';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string', default: resolve(import.meta.dirname, '../.bench/api-album') },
    modes: { type: 'string', default: 'main,thread' },
    rounds: { type: 'string', default: '1' },
    path: { type: 'string', default: '/people?limit=50' },
    memo: { type: 'string', default: 'text' },
  },
});
const DIR = resolve(args.dir!);

/** The client: sequential requests until told to stop; then [sent at (epoch ms), latency ms] per request. */
const CLIENT = `
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const url = process.argv[1];
const out = [];
let stop = false;
process.on('message', () => { stop = true; });
const once = () => new Promise((resolve) => {
  const sent = Date.now(), t0 = performance.now();
  http.get(url, { agent, headers: { 'accept-encoding': 'identity' } }, (res) => {
    res.resume();
    res.on('end', () => { out.push([sent, performance.now() - t0, res.statusCode]); resolve(); });
  }).on('error', (err) => { out.push([sent, performance.now() - t0, err.code || 'error']); resolve(); });
});
(async () => {
  while (!stop) await once();
  process.send(out, () => process.exit(0));
})();
`;

interface Figures {
  mode: string;
  passMs: number;
  before: number[];
  during: number[];
  errors: number;
  loopMaxMs: number;
  mainMs: number | null;
  writeMs: number | null;
  faces: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : Number.NaN;
};

async function measure(mode: 'main' | 'thread'): Promise<Figures> {
  const log = createLogger({ level: 'warn' });
  const thread = mode === 'thread' ? new ClusterThread(log) : null;
  const album = openLocalAlbum({
    photosDir: join(DIR, 'photos'),
    dataDir: join(DIR, 'data'),
    photosDirGiven: false,
    env: { ...process.env, FACE_ALBUM_READ_MEMO: args.memo },
    log,
    clusterer: thread ? thread.clusterer('album', join(DIR, 'data', 'album.db')) : clusteringSession(),
  });
  const server = await startLocalServer({ app: album.runtime.api, log, port: 0 });
  const client = spawn(process.execPath, ['-e', CLIENT, `${server.url}${args.path}`], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const results = new Promise<[number, number, number | string][]>((ok, fail) => {
    client.once('message', ok as never);
    client.once('exit', (code) => fail(new Error(`the client exited (code ${code})`)));
  });
  await sleep(3000);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  await sleep(20);
  const start = Date.now();
  const run = await album.backend.runClustering({ deadline: Date.now() + 600_000, log, full: true });
  const end = Date.now();
  await sleep(50);
  delay.disable();
  if (run.outcome !== 'succeeded') throw new Error(`pass ${run.outcome}: ${run.reason}`);
  await sleep(1000);
  client.send('stop');
  const rows = await results;
  await server.close();
  const cost = thread?.lastCost ?? null;
  await album.close();
  const db = new Database(join(DIR, 'data', 'album.db'), { readonly: true });
  const row = db.prepare('SELECT details FROM tasks WHERE id = ?').get(run.task!.id) as { details: string };
  db.close();
  const stats = JSON.parse(row.details) as { writeMs?: number; faces: number };
  return {
    mode,
    passMs: end - start,
    before: rows.filter(([t]) => t < start).map(([, ms]) => ms),
    during: rows.filter(([t]) => t >= start && t <= end).map(([, ms]) => ms),
    errors: rows.filter(([, , status]) => status !== 200).length,
    loopMaxMs: delay.max / 1e6,
    mainMs: cost?.mainMs ?? null,
    writeMs: stats.writeMs ?? null,
    faces: stats.faces,
  };
}

const f1 = (v: number | null) => (v === null || Number.isNaN(v) ? '–' : v.toFixed(1));
const f0 = (v: number | null) => (v === null || Number.isNaN(v) ? '–' : String(Math.round(v)));
const modes = args.modes!.split(',') as ('main' | 'thread')[];
const all: Figures[] = [];
for (let r = 0; r < Number(args.rounds); r++)
  for (const mode of modes) {
    const f = await measure(mode);
    all.push(f);
    console.error(
      `${mode}: pass ${f.passMs} ms, ${f.during.length} requests during it, loop max ${f0(f.loopMaxMs)} ms`,
    );
  }
console.log(
  `\nGET ${args.path} sequential, during a full clustering pass over ${all[0]?.faces} faces (album ${DIR}, memo ${args.memo})\n`,
);
console.log(
  '| mode | pass s | before: n / p50 / p99 ms | during: n / p50 / p99 / max ms | errors | main loop max stall ms | main-thread ms to hand the pass over | result write ms |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const f of all)
  console.log(
    `| ${f.mode} | ${(f.passMs / 1000).toFixed(1)} | ${f.before.length} / ${f1(pct(f.before, 50))} / ${f1(pct(f.before, 99))} | ${f.during.length} / ${f1(pct(f.during, 50))} / ${f1(pct(f.during, 99))} / ${f0(pct(f.during, 100))} | ${f.errors} | ${f0(f.loopMaxMs)} | ${f1(f.mainMs)} | ${f0(f.writeMs)} |`,
  );
