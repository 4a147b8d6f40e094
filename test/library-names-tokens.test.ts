/** Library names, the key → library rule of prefix mode, and `npm run token`. */
import { decode } from 'hono/jwt';
import { describe, expect, it } from 'vitest';
import { libraryOfKey } from '../src/library/library-key';
import { libraryDataset } from '../src/library/library-name';
import { checkLibraryToken } from '../src/library/library-token';
import { main } from '../src/library/token-cli';

describe('which library an object key belongs to', () => {
  it('takes the first folder under the prefix, case kept', () => {
    expect(libraryOfKey('photos/alice/2024/a.jpg', 'photos/')).toEqual({ library: 'alice' });
    expect(libraryOfKey('photos/User_42-x/a.jpg', 'photos/')).toEqual({ library: 'User_42-x' });
    expect(libraryOfKey('photos/0b9c3e1a-2f4d-4c1e-9a55-6c1d2b3e4f5a/a.jpg', 'photos/').library).toBe(
      '0b9c3e1a-2f4d-4c1e-9a55-6c1d2b3e4f5a',
    );
  });
  it('skips keys outside the prefix, directly under it, or under a folder that is not a library name', () => {
    const reasons = [
      'other/alice/a.jpg',
      'photos/a.jpg',
      'photos/a b/a.jpg',
      'photos/../a.jpg',
      'photos/-x/a.jpg',
      'photos/a.b/a.jpg',
      `photos/${'x'.repeat(65)}/a.jpg`,
      'photos//a.jpg',
    ].map((key) => {
      const of = libraryOfKey(key, 'photos/');
      expect(of.library, key).toBeNull();
      return of.library === null ? of.reason : '';
    });
    expect(reasons[0]).toContain('outside PHOTO_PREFIX');
    expect(reasons[1]).toContain('directly under PHOTO_PREFIX');
    expect(reasons[2]).toContain('not a library folder');
    expect(reasons[6]).toContain('longer than 64');
  });
  it('names datasets so that every library name gives a valid IMM dataset name', () => {
    const name = libraryDataset('x'.repeat(63), '9'.repeat(64));
    expect(name).toHaveLength(128);
    expect(name).toMatch(/^[A-Za-z_][\w-]{0,127}$/);
  });
});

describe('npm run token', () => {
  const run = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, {
      env,
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      now: () => 1_700_000_000_000,
    });
    return { code, out, err };
  };
  const secret = 's'.repeat(40);

  it('prints a token with lib and exp that the API accepts', async () => {
    const { code, out, err } = await run(['--library', 'alice', '--ttl', '3600'], {
      ALBUM_TOKEN_SECRET: secret,
    });
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const { header, payload } = decode(out[0]!);
    expect(header.alg).toBe('HS256');
    expect(payload).toMatchObject({ lib: 'alice', exp: 1_700_003_600 });
    expect(err.join('\n')).toContain('2023-11-14T23:13:20.000Z');
    // Minted at a fixed time long past: the API refuses it as expired, never as valid.
    expect(await checkLibraryToken(secret, out[0]!)).toEqual({ ok: false, reason: 'token expired' });
  });
  it('refuses bad names, lifetimes and secrets with exit code 2 and a reason', async () => {
    for (const [argv, env, says] of [
      [['--library', 'a/b'], { ALBUM_TOKEN_SECRET: secret }, 'letters, digits'],
      [['--library', 'alice', '--ttl', '0'], { ALBUM_TOKEN_SECRET: secret }, 'whole number of seconds'],
      [['--library', 'alice'], {}, 'no secret'],
      [['--library', 'alice'], { ALBUM_TOKEN_SECRET: 'short' }, 'shorter than 32'],
    ] as const) {
      const r = await run([...argv], env);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.err.join('\n')).toContain(says);
    }
  });
});
