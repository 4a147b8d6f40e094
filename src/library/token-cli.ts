import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { LibraryNameSchema } from './library-name';
import { MAX_TOKEN_TTL_SECONDS, mintLibraryToken } from './library-token';

/**
 * `npm run token -- --library alice --ttl 3600`: prints one library token (stdout: the token alone, so
 * `$(npm run -s token -- …)` works; stderr: when it expires). For trying the API and the page; an app's
 * backend mints its own tokens (README, "Library tokens"). Exit codes: 0 printed, 2 bad arguments or secret.
 */
export interface TokenCliIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  now?: () => number;
}

const libraryName = (v: string) => {
  const parsed = LibraryNameSchema.safeParse(v);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'invalid');
  return parsed.data;
};
const ttl = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_TOKEN_TTL_SECONDS)
    throw new InvalidArgumentError(`a whole number of seconds from 1 to ${MAX_TOKEN_TTL_SECONDS}`);
  return n;
};

function secretOf(flags: { secretFile?: string }, env: NodeJS.ProcessEnv): string {
  const secret = flags.secretFile ? readFileSync(flags.secretFile, 'utf8').trim() : env.ALBUM_TOKEN_SECRET;
  if (!secret)
    throw new Error(
      'no secret: set ALBUM_TOKEN_SECRET, or pass --secret-file (a local album: <data>/token-secret)',
    );
  if (secret.length < 32) throw new Error('the token secret is shorter than 32 characters');
  return secret;
}

export async function main(argv: string[], io: TokenCliIo): Promise<number> {
  const program = new Command('token')
    .description('Print a library token: a JWT (HS256, ALBUM_TOKEN_SECRET) with claims lib and exp.')
    .requiredOption('--library <name>', 'the library the token opens', libraryName)
    .option('--ttl <seconds>', 'lifetime in seconds', ttl, 3600)
    .option('--secret-file <path>', 'read the secret from this file instead of ALBUM_TOKEN_SECRET')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    return (err as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const flags = program.opts<{ library: string; ttl: number; secretFile?: string }>();
  try {
    const now = io.now?.() ?? Date.now();
    const token = await mintLibraryToken(secretOf(flags, io.env), flags.library, flags.ttl, now);
    io.out(token);
    io.err(`library ${flags.library}, expires ${new Date(now + flags.ttl * 1000).toISOString()}`);
    return 0;
  } catch (err) {
    io.err(`token: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
