/**
 * The function role's RAM policy must grant every IMM action the client can send, and nothing
 * more. "Can send" is read from the source: the keys of `ImmActions` in src/imm/imm-wire.ts (the
 * client's `call()` only accepts those) and every `call('Action'` literal under src/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../scripts/build';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string[]>>;
}
interface Policy {
  Version: string;
  Statement: Statement[];
}

const POLICY_TEXT = readFileSync(path.join(ROOT, 'ram', 'function-policy.json'), 'utf8');
const TRUST = JSON.parse(readFileSync(path.join(ROOT, 'ram', 'fc-trust-policy.json'), 'utf8')) as {
  Version: string;
  Statement: { Effect: string; Action: string; Principal: { Service: string[] } }[];
};
/** Placeholders the deployer fills in (README: envsubst); nothing else may appear. */
const PLACEHOLDERS = [
  'ALBUM_REGION',
  'ALBUM_ACCOUNT_ID',
  'ALBUM_BUCKET',
  'PHOTO_PREFIX',
  'IMM_PROJECT',
  'IMM_DATASET',
  'ALBUM_DEAD_LETTER_QUEUE',
];
const SAMPLE: Record<string, string> = {
  ALBUM_REGION: 'cn-hangzhou',
  ALBUM_ACCOUNT_ID: '1234567890',
  ALBUM_BUCKET: 'my-photos',
  PHOTO_PREFIX: 'photos/',
  IMM_PROJECT: 'face-album',
  IMM_DATASET: 'faces',
  ALBUM_DEAD_LETTER_QUEUE: 'face-album-dead-letters',
};

function render(text: string, values: Record<string, string>): Policy {
  return JSON.parse(
    text.replace(/\$\{([A-Z_]+)\}/g, (_m, name: string) => {
      const v = values[name];
      if (v === undefined) throw new Error(`unknown placeholder \${${name}}`);
      return v;
    }),
  ) as Policy;
}

const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Keys of `export interface ImmActions { ... }`: two-space-indented `Name: {` lines inside the block. */
function declaredImmActions(wireSource: string): string[] {
  const start = wireSource.indexOf('export interface ImmActions');
  if (start < 0) throw new Error('ImmActions interface not found in imm-wire.ts');
  const lines = wireSource.slice(start).split('\n').slice(1);
  const end = lines.findIndex((l) => /^}/.test(l));
  return lines
    .slice(0, end)
    .map((l) => /^ {2}([A-Z][A-Za-z]+): \{/.exec(l)?.[1])
    .filter((x): x is string => !!x);
}

function calledImmActions(files: string[]): string[] {
  const found = new Set<string>();
  for (const f of files)
    for (const m of readFileSync(f, 'utf8').matchAll(/\.call\(\s*'([A-Z][A-Za-z]+)'/g)) found.add(m[1]!);
  return [...found];
}

const policy = render(POLICY_TEXT, SAMPLE);
const immActions = policy.Statement.flatMap((s) => list(s.Action))
  .filter((a) => a.startsWith('imm:'))
  .map((a) => a.slice(4));
const declared = declaredImmActions(readFileSync(path.join(ROOT, 'src', 'imm', 'imm-wire.ts'), 'utf8'));
const called = calledImmActions(sourceFiles(path.join(ROOT, 'src')));

describe('function role policy', () => {
  it('reads the client action list from the source (the extraction works)', () => {
    expect(declared.length).toBeGreaterThanOrEqual(10);
    expect(declared).toContain('CreateFigureClusteringTask');
    expect(
      declaredImmActions(
        'export interface ImmActions {\n  A1: { req: {} };\n  Foo: {\n    req: { Bar: {} };\n  };\n}\n',
      ),
    ).toEqual(['Foo']);
    expect(called.length).toBeGreaterThan(0);
  });

  it('grants exactly the IMM actions the client declares', () => {
    expect([...immActions].sort()).toEqual([...declared].sort());
  });

  it('covers every action literally called in src/', () => {
    expect(called.filter((a) => !immActions.includes(a))).toEqual([]);
  });

  it('has no duplicate or wildcard actions', () => {
    const all = policy.Statement.flatMap((s) => list(s.Action));
    expect(new Set(all).size).toBe(all.length);
    expect(all.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('scopes IMM to the album project and OSS reads to the photo prefix', () => {
    const byAction = (prefix: string) =>
      policy.Statement.filter((s) => list(s.Action).some((a) => a.startsWith(prefix)));
    for (const s of byAction('imm:')) {
      expect(s.Effect).toBe('Allow');
      for (const r of list(s.Resource))
        expect(r).toMatch(
          /^acs:imm:cn-hangzhou:1234567890:project\/face-album(\/\*|\/dataset\/faces(-\*)?)?$/,
        );
    }
    // Actions on a dataset reach only the album's: IMM_DATASET (single mode) and IMM_DATASET-<library> (prefix mode).
    const datasetActions = byAction('imm:').filter((s) =>
      list(s.Action).some((a) =>
        ['imm:IndexFileMeta', 'imm:QueryFigureClusters', 'imm:SimpleQuery'].includes(a),
      ),
    );
    expect(datasetActions).toHaveLength(1);
    expect(list(datasetActions[0]!.Resource)).toEqual([
      'acs:imm:cn-hangzhou:1234567890:project/face-album/dataset/faces',
      'acs:imm:cn-hangzhou:1234567890:project/face-album/dataset/faces-*',
    ]);
    // Signed URLs: photos, and the video frames the API shows as posters and face crops.
    const read = byAction('oss:GetObject');
    expect(read.flatMap((s) => list(s.Action))).toEqual(['oss:GetObject']);
    expect(read.flatMap((s) => list(s.Resource))).toEqual([
      'acs:oss:*:1234567890:my-photos/photos/*',
      'acs:oss:*:1234567890:my-photos/.album-frames/*',
    ]);
    // Backfill/reconcile list the bucket under the photo prefix; the indexer lists one video's frames.
    const listing = byAction('oss:ListObjects');
    expect(listing.flatMap((s) => list(s.Action))).toEqual(['oss:ListObjects']);
    expect(listing.flatMap((s) => list(s.Resource))).toEqual(['acs:oss:*:1234567890:my-photos']);
    expect(listing[0]!.Condition).toEqual({
      StringLike: { 'oss:Prefix': ['photos/*', '.album-frames/*'] },
    });
    // The indexer deletes a removed video's frames (DeleteMultipleObjects needs oss:DeleteObject), nothing else.
    const deletion = byAction('oss:DeleteObject');
    expect(deletion.flatMap((s) => list(s.Action))).toEqual(['oss:DeleteObject']);
    expect(deletion.flatMap((s) => list(s.Resource))).toEqual([
      'acs:oss:*:1234567890:my-photos/.album-frames/*',
    ]);
    expect(
      byAction('oss:')
        .flatMap((s) => list(s.Action))
        .sort(),
    ).toEqual(['oss:DeleteObject', 'oss:GetObject', 'oss:ListObjects']);
    // FC sends an indexer event that exhausted its retries to the dead-letter queue with the function's role.
    const mns = byAction('mns:');
    expect(mns.flatMap((s) => list(s.Action))).toEqual(['mns:SendMessage']);
    expect(mns.flatMap((s) => list(s.Resource))).toEqual([
      'acs:mns:cn-hangzhou:1234567890:/queues/face-album-dead-letters/messages',
    ]);
    const logs = byAction('log:');
    expect(logs.flatMap((s) => list(s.Action))).toEqual(['log:PostLogStoreLogs']);
    // fc3 `logConfig: auto` writes to <account>-<region>-project / function-logstore.
    expect(logs.flatMap((s) => list(s.Resource))).toEqual([
      'acs:log:cn-hangzhou:1234567890:project/1234567890-cn-hangzhou-project/logstore/function-logstore',
    ]);
    expect(
      policy.Statement.flatMap((s) => list(s.Action)).filter((a) => !/^(imm|oss|log|mns):/.test(a)),
    ).toEqual([]);
  });

  it('uses only the documented placeholders', () => {
    const used = new Set([...POLICY_TEXT.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual([...PLACEHOLDERS].sort());
    // biome-ignore lint/suspicious/noTemplateCurlyInString: envsubst placeholders in the policy, not JS templates
    expect(() => render(POLICY_TEXT.replace('${IMM_PROJECT}', '${IMM_PROJEKT}'), SAMPLE)).toThrow(
      /IMM_PROJEKT/,
    );
    expect(policy.Version).toBe('1');
  });
});

describe('trust policy', () => {
  it('lets only Function Compute assume the role', () => {
    expect(TRUST.Version).toBe('1');
    expect(TRUST.Statement).toHaveLength(1);
    expect(TRUST.Statement[0]).toMatchObject({
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { Service: ['fc.aliyuncs.com'] },
    });
  });
});
