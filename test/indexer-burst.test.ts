import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../scripts/build';
import { main as backfill } from '../src/backfill/backfill-cli';
import { type FakeImm, startFakeImm } from './fake-imm/fake-imm';
import { captureLogs, fcContext, immEnv, immFunctions, ossEvent, setEnv } from './fake-imm/fc-events';
import { startFakeOss } from './fake-oss/fake-oss';
import { fcAsyncInvoker } from './support/fc-async-invoke';

/**
 * The indexer under FC's asynchronous retry semantics (retries then the dead-letter destination,
 * as s.yaml configures them): a burst of uploads against an IMM failing 30 % of calls loses
 * nothing; when IMM is down or a setting is bad, events end in the dead-letter queue rather than
 * counting as done, and backfill replays them.
 */
/** The indexer's maxAsyncRetryAttempts in s.yaml (deploy-s-yaml.test.ts validates the file itself). */
const retryAttempts = (): number => {
  const text = readFileSync(path.join(ROOT, 's.yaml'), 'utf8');
  const m = /\n {2}indexer:[\s\S]*?maxAsyncRetryAttempts: (\d+)/.exec(text);
  if (!m) throw new Error('indexer maxAsyncRetryAttempts not found in s.yaml');
  return Number(m[1]);
};

let fake: FakeImm;
let restoreEnv: () => void;
const logs = captureLogs();
// Wired as functions/indexer/index.ts wires it, with the test's logger.
const { indexer: handler } = immFunctions(logs.log);
const dataset = () => fake.state.dataset('album_p', 'album_d');

beforeAll(async () => {
  fake = await startFakeImm({ project: 'album_p', dataset: 'album_d' });
});
afterAll(() => fake.close());
beforeEach(() => {
  // Two attempts per IMM call inside an invocation, so FC-level retries really happen.
  restoreEnv = setEnv(immEnv(fake.endpoint, { IMM_RETRY_MAX_ATTEMPTS: '2' }));
  logs.clear();
  fake.clearFaults();
});
afterEach(() => restoreEnv());

async function burst(invoke: (e: Buffer) => Promise<void>, events: Buffer[], parallel: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < events.length) await invoke(events[next++]!);
    }),
  );
}

describe('indexer burst with FC async retries', () => {
  it('600 uploads in 300 events against 30 % IMM faults: every photo indexed, nothing dead-lettered', async () => {
    fake.randomFaults({ rate: 0.3, seed: 42 });
    const fc = fcAsyncInvoker(handler, () => fcContext(), { maxAsyncRetryAttempts: retryAttempts() });
    const keys = Array.from({ length: 600 }, (_, i) => `photos/burst/${i}.jpg`);
    const events = Array.from({ length: 300 }, (_, i) =>
      ossEvent([{ key: keys[2 * i]! }, { key: keys[2 * i + 1]! }]),
    );
    await burst((e) => fc.invoke(e), events, 20);
    expect(fc.deadLetters).toEqual([]);
    for (const k of keys) expect(dataset().files.has(`oss://testbucket/${k}`), k).toBe(true);
    // The faults were real and FC's retries were needed (the client gave up on some calls).
    expect(Object.values(fake.injected).reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
    expect(fc.retries).toBeGreaterThan(0);
    const metrics = logs.events('indexer.metrics');
    expect(metrics).toHaveLength(fc.invocations);
    expect(metrics.reduce((n, m) => n + m.retried, 0)).toBeGreaterThan(0);
  }, 120_000);

  it('IMM down for longer than the retries: events go to the dead-letter queue, backfill replays them', async () => {
    fake.failNext('*', 1_000_000, { status: 503, code: 'ServiceUnavailable' });
    const fc = fcAsyncInvoker(handler, () => fcContext(), { maxAsyncRetryAttempts: retryAttempts() });
    const keys = ['photos/outage/a.jpg', 'photos/outage/b.jpg', 'photos/outage/c.jpg'];
    for (const key of keys) await fc.invoke(ossEvent([{ key }]));
    expect(fc.deadLetters).toHaveLength(3);
    expect(fc.deadLetters[0]).toMatchObject({ attempts: retryAttempts() + 1 });
    expect(fc.deadLetters[0]!.error).toContain('IMM is unavailable');
    expect(JSON.parse(fc.deadLetters[0]!.requestPayload).events[0].oss.object.key).toBe(keys[0]);
    for (const k of keys) expect(dataset().files.has(`oss://testbucket/${k}`)).toBe(false);

    // IMM is back: a backfill of the prefix replays what the dead-letter queue holds.
    fake.clearFaults();
    const oss = await startFakeOss('testbucket', keys);
    const work = mkdtempSync(path.join(tmpdir(), 'face-album-replay-'));
    const out: string[] = [];
    try {
      const code = await backfill(['--progress', 'lines', '--rate', '100'], {
        env: {
          ...immEnv(fake.endpoint),
          ALBUM_BUCKET: 'testbucket',
          OSS_ENDPOINT: oss.endpoint,
          ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI.deployer',
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'deployer-secret',
        },
        out: (l) => out.push(l),
        err: (l) => out.push(l),
        tty: false,
        cwd: work,
      });
      expect(code, out.join('\n')).toBe(0);
    } finally {
      await oss.close();
      rmSync(work, { recursive: true, force: true });
    }
    for (const k of keys) expect(dataset().files.has(`oss://testbucket/${k}`)).toBe(true);
  }, 60_000);

  it('a bad setting the indexer reads: events are retried and dead-lettered, never counted as done', async () => {
    process.env.IMM_DATASET = 'not a valid name!';
    const fc = fcAsyncInvoker(handler, () => fcContext(), { maxAsyncRetryAttempts: retryAttempts() });
    await fc.invoke(ossEvent([{ key: 'photos/misconfigured.jpg' }]));
    expect(fc.deadLetters).toHaveLength(1);
    expect(fc.deadLetters[0]!.error).toMatch(/invalid configuration: IMM_DATASET/);
    expect(logs.events('invocation.retry')).toHaveLength(retryAttempts() + 1);
  });
});
