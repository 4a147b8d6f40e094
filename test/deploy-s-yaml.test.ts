/**
 * Offline checks of the deployment description: `s preview -o json` renders s.yaml with a
 * throw-away `s` config (fake keys, account 1234567890, temp HOME), every resource's props are
 * validated against the public fc3 JSON schema (../shared/schemas, not copied here), and each
 * function's code folder must be what scripts/build.ts produces, exporting `handler`.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions, DIST, FUNCTIONS, ROOT } from '../scripts/build';
import { FUNCTION_SETTINGS, loadCloudConfig } from '../src/config/function-settings';

const S_BIN = path.join(ROOT, 'node_modules', '.bin', 's');
const SCHEMA_FILE = path.resolve(ROOT, '..', 'shared', 'schemas', 'fc3-props.schema.json');
const ACCOUNT = '1234567890';

const BASE_ENV = {
  ALBUM_BUCKET: 'my-photos',
  ALBUM_API_KEY: 'k'.repeat(24),
};

type Props = Record<string, unknown> & {
  region: string;
  functionName: string;
  runtime: string;
  code: string;
  handler: string;
  timeout: number;
  role: string;
  environmentVariables: Record<string, string>;
  asyncInvokeConfig?: {
    maxAsyncRetryAttempts?: number;
    maxAsyncEventAgeInSeconds?: number;
    destinationConfig?: { onFailure?: { destination?: string }; onSuccess?: { destination?: string } };
  };
  triggers: {
    triggerName: string;
    triggerType: string;
    sourceArn?: string;
    triggerConfig: Record<string, unknown>;
  }[];
};
interface Rendered {
  actions?: Record<string, { run?: string; path?: string }[]>;
  resources: Record<string, { component: string; props: Props }>;
}

let home: string;
let outRoot: string;
let validate: ValidateFunction;
let schemaProps: Set<string>;
/** The schema matches triggerConfig with a plain anyOf over all types; these check each type's own definition. */
let triggerValidators: Record<string, ValidateFunction>;
const TRIGGER_DEFINITION: Record<string, string> = {
  oss: 'IOssTriggerConfig',
  timer: 'ITimerTriggerConfig',
  http: 'IHttpTriggerConfig',
};

/** Runs `s preview -o json` with only the given env (plus PATH/HOME); JSON starts at the first `{`. */
function preview(env: Record<string, string>): { status: number; stdout: string; json: Rendered | null } {
  const r = spawnSync(S_BIN, ['preview', '-o', 'json'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', HOME: home, ...env },
  });
  const out = r.stdout ?? '';
  const start = out.indexOf('{');
  let json: Rendered | null = null;
  if (r.status === 0 && start >= 0) json = JSON.parse(out.slice(start)) as Rendered;
  return { status: r.status ?? -1, stdout: out + (r.stderr ?? ''), json };
}

function schemaErrors(props: unknown): string[] {
  const errors = validate(props) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  for (const [i, t] of ((props as Partial<Props>).triggers ?? []).entries()) {
    const check = triggerValidators[t.triggerType];
    if (!check) {
      errors.push(`/triggers/${i} unexpected trigger type ${t.triggerType}`);
      continue;
    }
    if (!check(t.triggerConfig))
      errors.push(
        ...(check.errors ?? []).map((e) => `/triggers/${i}/triggerConfig${e.instancePath} ${e.message}`),
      );
  }
  return errors;
}

let rendered: Rendered;

beforeAll(async () => {
  home = mkdtempSync(path.join(tmpdir(), 'face-album-s-home-'));
  outRoot = mkdtempSync(path.join(tmpdir(), 'face-album-dist-'));
  // `s config add` works offline and makes ${config('AccountID')} resolve (the keys are fake).
  execFileSync(
    S_BIN,
    [
      'config',
      'add',
      '--AccessKeyID',
      'FAKEKEYID',
      '--AccessKeySecret',
      'FAKESECRET',
      '--AccountID',
      ACCOUNT,
      '-a',
      'default',
      '-f',
    ],
    {
      env: { PATH: process.env.PATH ?? '', HOME: home },
      stdio: 'pipe',
    },
  );
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as {
    properties: Record<string, unknown>;
    definitions: Record<string, unknown>;
  };
  schemaProps = new Set(Object.keys(schema.properties));
  const ajv = new Ajv({ strict: false, allErrors: true });
  validate = ajv.compile(schema);
  triggerValidators = Object.fromEntries(
    Object.entries(TRIGGER_DEFINITION).map(([type, def]) => [
      type,
      ajv.compile({ $ref: `#/definitions/${def}`, definitions: schema.definitions }),
    ]),
  );
  const r = preview(BASE_ENV);
  if (!r.json) throw new Error(`s preview failed (${r.status}):\n${r.stdout}`);
  rendered = r.json;
  await buildFunctions({ outRoot });
}, 180_000);

afterAll(async () => {
  rmSync(outRoot, { recursive: true, force: true });
  // A process `s` leaves behind may still be writing under its HOME (.s/config) seconds after `s` exits. It is a
  // throw-away temp dir: retry for a while, then leave it to the OS rather than fail a file whose tests passed.
  for (let attempt = 0; ; attempt++) {
    try {
      rmSync(home, { recursive: true, force: true });
      return;
    } catch (err) {
      if (attempt >= 25 || (err as NodeJS.ErrnoException).code !== 'ENOTEMPTY') {
        console.warn(`left ${home} behind: ${(err as Error).message}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
});

describe('s.yaml renders and matches the fc3 schema', () => {
  it('declares exactly the three functions with the fc3 component', () => {
    expect(Object.keys(rendered.resources).sort()).toEqual([...FUNCTIONS].sort());
    for (const r of Object.values(rendered.resources)) expect(r.component).toBe('fc3');
  });

  it.each([...FUNCTIONS])('%s props pass the fc3 JSON schema', (fn) => {
    expect(schemaErrors(rendered.resources[fn]!.props)).toEqual([]);
  });

  it.each([...FUNCTIONS])('%s uses only props the schema knows (it does not forbid extras itself)', (fn) => {
    const unknown = Object.keys(rendered.resources[fn]!.props).filter((k) => !schemaProps.has(k));
    expect(unknown).toEqual([]);
  });

  it('the validator rejects broken props (so the checks above can fail)', () => {
    const props = structuredClone(rendered.resources.indexer!.props);
    expect(schemaErrors({ ...props, memorySize: 100 })).not.toEqual([]);
    expect(schemaErrors({ ...props, runtime: 'nodejs99' })).not.toEqual([]);
    const noSuffix = structuredClone(props);
    delete (noSuffix.triggers[0]!.triggerConfig as { filter: { key: Record<string, string> } }).filter.key
      .suffix;
    expect(schemaErrors(noSuffix)).not.toEqual([]);
    const timer = structuredClone(rendered.resources.clusterer!.props);
    delete timer.triggers[0]!.triggerConfig.enable;
    expect(schemaErrors(timer)).not.toEqual([]);
    const http = structuredClone(rendered.resources.api!.props);
    http.triggers[0]!.triggerConfig.methods = ['GET', 'FETCH'];
    expect(schemaErrors(http)).not.toEqual([]);
    const ossEvent = structuredClone(props);
    (ossEvent.triggers[0]!.triggerConfig as { events: string[] }).events.push('oss:ObjectCreated:Put');
    expect(schemaErrors(ossEvent)).not.toEqual([]);
  });

  it('builds the bundles before every deploy', () => {
    expect(rendered.actions?.['pre-deploy']).toEqual([{ run: 'npm run build', path: './' }]);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.build).toBe('tsx scripts/build.ts');
    expect(pkg.scripts.deploy).toMatch(/^s deploy\b/);
  });

  it('stops with a clear error when a required variable is missing', () => {
    const r = preview({ ALBUM_API_KEY: BASE_ENV.ALBUM_API_KEY });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain("env('ALBUM_BUCKET') not found");
    const noKey = preview({ ALBUM_BUCKET: BASE_ENV.ALBUM_BUCKET });
    expect(noKey.status).not.toBe(0);
    expect(noKey.stdout).toContain("env('ALBUM_API_KEY') not found");
  });
});

describe('functions', () => {
  it.each([...FUNCTIONS])('%s runs nodejs20 code from dist/%s with handler index.handler', (fn) => {
    const p = rendered.resources[fn]!.props;
    expect(p.runtime).toBe('nodejs20');
    expect(p.handler).toBe('index.handler');
    expect(path.resolve(ROOT, p.code)).toBe(path.join(DIST, fn));
    expect(p.region).toBe('cn-hangzhou');
    expect(p.role).toBe(`acs:ram::${ACCOUNT}:role/face-album-fc`);
    expect(p.logConfig).toBe('auto');
  });

  it.each([...FUNCTIONS])('the build output for %s has index.js exporting a handler function', (fn) => {
    const file = path.join(outRoot, fn, 'index.js');
    expect(existsSync(file)).toBe(true);
    // A fresh process outside the project: what FC loads, with no node_modules to fall back on.
    const type = execFileSync(
      process.execPath,
      ['-e', `process.stdout.write(typeof require(${JSON.stringify(file)}).handler)`],
      {
        encoding: 'utf8',
        cwd: outRoot,
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    expect(type).toBe('function');
  });

  it('the clusterer timeout leaves room after waiting for the IMM task', () => {
    const p = rendered.resources.clusterer!.props;
    expect(p.timeout).toBeGreaterThanOrEqual(600);
    expect(Number(p.environmentVariables.CLUSTER_WAIT_SECONDS)).toBeLessThan(p.timeout);
  });

  it.each(['indexer', 'clusterer'])('%s has an explicit async retry policy', (fn) => {
    const cfg = rendered.resources[fn]!.props.asyncInvokeConfig;
    expect(cfg?.maxAsyncRetryAttempts).toEqual(expect.any(Number));
    expect(cfg?.maxAsyncEventAgeInSeconds).toEqual(expect.any(Number));
  });

  it('indexer events that exhaust their retries go to the MNS dead-letter queue', () => {
    const cfg = rendered.resources.indexer!.props.asyncInvokeConfig!;
    expect(cfg.destinationConfig?.onFailure?.destination).toBe(
      `acs:mns:cn-hangzhou:${ACCOUNT}:/queues/face-album-dead-letters/messages`,
    );
    const r = preview({ ...BASE_ENV, ALBUM_DEAD_LETTER_QUEUE: 'my-dlq' });
    expect(
      r.json!.resources.indexer!.props.asyncInvokeConfig!.destinationConfig!.onFailure!.destination,
    ).toBe(`acs:mns:cn-hangzhou:${ACCOUNT}:/queues/my-dlq/messages`);
    // The schema check covers destinationConfig: a wrong shape is rejected.
    const bad = structuredClone(rendered.resources.indexer!.props);
    bad.asyncInvokeConfig!.destinationConfig!.onFailure = { destination: 42 as unknown as string };
    expect(schemaErrors(bad)).not.toEqual([]);
  });
});

describe('environment variables', () => {
  // FC_REGION is set by FC itself, never by s.yaml.
  const reads = (fn: (typeof FUNCTIONS)[number]) => FUNCTION_SETTINGS[fn].filter((k) => k !== 'FC_REGION');

  it.each([...FUNCTIONS])('%s gets exactly the variables its code reads, all as strings', (fn) => {
    const env = rendered.resources[fn]!.props.environmentVariables;
    expect(Object.keys(env).sort()).toEqual([...reads(fn)].sort());
    for (const v of Object.values(env)) expect(typeof v).toBe('string');
  });

  it.each([...FUNCTIONS])('%s configuration passes the same validation the function runs', (fn) => {
    const env = rendered.resources[fn]!.props.environmentVariables;
    const config = loadCloudConfig(fn, env, 'cn-hangzhou');
    expect(config.imm).toMatchObject({ project: 'face-album', dataset: 'faces', region: 'cn-hangzhou' });
    if (fn === 'api') expect(config.oss).toEqual({ bucket: 'my-photos', endpoint: undefined });
  });

  it('s.yaml defaults are the code defaults (no drift)', () => {
    const fromYaml = loadCloudConfig(
      'clusterer',
      rendered.resources.clusterer!.props.environmentVariables,
      'r',
    );
    const fromCode = loadCloudConfig('clusterer', {}, 'r');
    expect(fromYaml).toEqual(fromCode);
    const api = rendered.resources.api!.props.environmentVariables;
    const apiYaml = loadCloudConfig('api', api, 'r');
    const apiCode = loadCloudConfig(
      'api',
      { ALBUM_BUCKET: 'my-photos', ALBUM_API_KEY: api.ALBUM_API_KEY },
      'r',
    );
    expect(apiYaml).toEqual(apiCode);
    const idx = loadCloudConfig('indexer', rendered.resources.indexer!.props.environmentVariables, 'r');
    expect(idx).toEqual(loadCloudConfig('indexer', {}, 'r'));
  });

  it('the API gets the bearer key; the event functions do not', () => {
    expect(rendered.resources.api!.props.environmentVariables.ALBUM_API_KEY).toBe(BASE_ENV.ALBUM_API_KEY);
    expect(rendered.resources.indexer!.props.environmentVariables.ALBUM_API_KEY).toBeUndefined();
    expect(rendered.resources.clusterer!.props.environmentVariables.ALBUM_API_KEY).toBeUndefined();
  });

  it('follows the deployer environment', () => {
    const r = preview({
      ...BASE_ENV,
      ALBUM_REGION: 'cn-shanghai',
      PHOTO_PREFIX: 'family/',
      IMM_PROJECT: 'p1',
      IMM_DATASET: 'd1',
      CLUSTER_CRON: 'CRON_TZ=Asia/Shanghai 0 30 3 * * *',
      ALBUM_ROLE_ARN: 'acs:ram::999:role/custom',
      ALBUM_NAME_PREFIX: 'alb2',
    });
    expect(r.status).toBe(0);
    const res = r.json!.resources;
    expect(res.indexer!.props.region).toBe('cn-shanghai');
    expect(res.indexer!.props.functionName).toBe('alb2-indexer');
    expect(res.api!.props.role).toBe('acs:ram::999:role/custom');
    expect(res.indexer!.props.environmentVariables).toMatchObject({
      PHOTO_PREFIX: 'family/',
      IMM_PROJECT: 'p1',
      IMM_DATASET: 'd1',
    });
    expect(res.indexer!.props.triggers[0]!.sourceArn).toBe(`acs:oss:cn-shanghai:${ACCOUNT}:my-photos`);
    expect(
      (res.indexer!.props.triggers[0]!.triggerConfig.filter as { key: { prefix: string } }).key.prefix,
    ).toBe('family/');
    expect(res.clusterer!.props.triggers[0]!.triggerConfig.cronExpression).toBe(
      'CRON_TZ=Asia/Shanghai 0 30 3 * * *',
    );
    for (const fn of FUNCTIONS) expect(schemaErrors(res[fn]!.props)).toEqual([]);
  });
});

describe('triggers', () => {
  it('indexer: ONE OSS trigger with created and removed events on the photo prefix of the bucket', () => {
    const triggers = rendered.resources.indexer!.props.triggers;
    expect(triggers).toHaveLength(1);
    const t = triggers[0]!;
    expect(t.triggerType).toBe('oss');
    expect(t.sourceArn).toBe(`acs:oss:cn-hangzhou:${ACCOUNT}:my-photos`);
    const cfg = t.triggerConfig as { events: string[]; filter: { key: { prefix: string; suffix: string } } };
    expect(cfg.events).toEqual(
      expect.arrayContaining([
        'oss:ObjectCreated:PutObject',
        'oss:ObjectCreated:CompleteMultipartUpload',
        'oss:ObjectRemoved:DeleteObject',
        'oss:ObjectRemoved:DeleteObjects',
      ]),
    );
    // Part uploads fire before the object exists: never subscribe to them.
    expect(cfg.events.filter((e) => /InitiateMultipartUpload|UploadPart|ObjectCreated:\*/.test(e))).toEqual(
      [],
    );
    expect(cfg.filter.key).toEqual({
      prefix: rendered.resources.indexer!.props.environmentVariables.PHOTO_PREFIX,
      suffix: '',
    });
  });

  it('clusterer: an enabled timer with a 6-field cron and a payload', () => {
    const t = rendered.resources.clusterer!.props.triggers;
    expect(t).toHaveLength(1);
    expect(t[0]!.triggerType).toBe('timer');
    expect(t[0]!.triggerConfig).toMatchObject({ enable: true, payload: expect.any(String) });
    expect(String(t[0]!.triggerConfig.cronExpression).split(' ')).toHaveLength(6);
  });

  it('api: anonymous HTTP trigger (the function checks the key) with the methods the API serves', () => {
    const t = rendered.resources.api!.props.triggers;
    expect(t).toHaveLength(1);
    expect(t[0]!.triggerType).toBe('http');
    expect(t[0]!.triggerConfig.authType).toBe('anonymous');
    expect([...(t[0]!.triggerConfig.methods as string[])].sort()).toEqual([
      'GET',
      'OPTIONS',
      'PATCH',
      'POST',
    ]);
  });
});
