/**
 * The clusterer's timer tick in LIBRARY_MODE=prefix over many libraries (npm run bench:library-tick): IMM calls
 * per tick by action, and wall time, against the fake IMM on 127.0.0.1 (no IMM latency: the time is the
 * album's own work plus loopback HTTP; on IMM each call adds its round trip, 4 checks in flight at once).
 *
 * Scenarios, in one run on one deployment of --libraries libraries (one photo with one face each):
 *   1. every library new: ticks until none is left (CLUSTER_MAX_LIBRARIES a tick)
 *   2. nothing new anywhere (tasks on record): the cost of a quiet tick
 *   3. --changed libraries get a new photo: one tick
 *
 * Unpaced here (CLUSTER_CALLS_PER_SECOND=0); deployed, the calls are paced (default 25/s), so a tick takes at
 * least calls / 25 seconds.
 *
 * Flags: --libraries 2000  --max 50  --scan 2000  --changed 10
 */
import { goodFace, startFakeImm } from '../test/fake-imm/fake-imm';
import {
  captureLogs,
  fcContext,
  immEnv,
  immFunctions,
  ossEvent,
  timerEvent,
} from '../test/fake-imm/fc-events';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const libraries = Number(flag('libraries', '2000'));
const max = flag('max', '50');
const scan = flag('scan', '2000');
const changed = Number(flag('changed', '10'));

const fake = await startFakeImm({ project: 'album_p', clusteringDelayMs: 5 });
const names = Array.from({ length: libraries }, (_, i) => `user${String(i).padStart(6, '0')}`);
for (const name of names) {
  const uri = `oss://testbucket/photos/${name}/1.jpg`;
  fake.seedFaces(uri, [goodFace(name)]);
  fake.state.createDataset({
    ProjectName: 'album_p',
    DatasetName: `album_d-${name}`,
    TemplateId: 'Official:FaceManagement',
  });
  fake.state.indexFiles(fake.state.dataset('album_p', `album_d-${name}`), [{ URI: uri }]);
}
const logs = captureLogs();
const env = immEnv(fake.endpoint, {
  LIBRARY_MODE: 'prefix',
  CLUSTER_MAX_LIBRARIES: max,
  CLUSTER_SCAN_LIBRARIES: scan,
  CLUSTER_CALLS_PER_SECOND: '0',
  LOG_LEVEL: 'warn',
});
const { clusterer, indexer } = immFunctions(logs.log, env);
const ctx = () =>
  fcContext({ function: { name: 'clusterer', handler: 'index.handler', memory: 512, timeout: 600 } });

interface Row {
  scenario: string;
  tick: number;
  clustered: number;
  remaining: number;
  calls: number;
  byAction: string;
  ms: number;
}
const rows: Row[] = [];
async function tick(scenario: string, n: number): Promise<number> {
  const before = fake.requests.length;
  const started = performance.now();
  const res = await clusterer(timerEvent(), ctx());
  const ms = performance.now() - started;
  const sent = fake.requests.slice(before);
  const counts = new Map<string, number>();
  for (const r of sent) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  rows.push({
    scenario,
    tick: n,
    clustered: res.libraries?.length ?? 0,
    remaining: res.remaining ?? 0,
    calls: sent.length,
    byAction: [...counts].map(([a, c]) => `${a} ${c}`).join(', '),
    ms: Math.round(ms),
  });
  await new Promise((r) => setTimeout(r, 30)); // let the fake finish the tasks
  return res.remaining ?? 0;
}

let n = 1;
while ((await tick('all new', n++)) > 0 && n < 1000) {}
await tick('nothing new', 1);
for (const name of names.slice(0, changed)) {
  fake.seedFaces(`oss://testbucket/photos/${name}/2.jpg`, [goodFace(name)]);
  await indexer(ossEvent([{ key: `photos/${name}/2.jpg` }]), fcContext());
}
await tick(`${changed} changed`, 1);
await fake.close();

const first = rows.filter((r) => r.scenario === 'all new');
console.log(`libraries ${libraries}, CLUSTER_MAX_LIBRARIES ${max}, CLUSTER_SCAN_LIBRARIES ${scan}`);
console.log(
  `all new: ${first.length} ticks; calls per tick median ${median(first.map((r) => r.calls))}, ms median ${median(first.map((r) => r.ms))}`,
);
console.log('scenario      | tick | clustered | left | IMM calls | ms    | calls by action');
for (const r of rows.filter((r) => r.scenario !== 'all new' || r.tick <= 2 || r.remaining === 0))
  console.log(
    `${r.scenario.padEnd(13)} | ${String(r.tick).padStart(4)} | ${String(r.clustered).padStart(9)} | ${String(r.remaining).padStart(4)} | ${String(r.calls).padStart(9)} | ${String(r.ms).padStart(5)} | ${r.byAction}`,
  );

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
