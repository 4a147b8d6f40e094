import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file in a libraries data dir holding the HS256 secret of library tokens. */
export const TOKEN_SECRET_FILE = 'token-secret';
const MIN_LENGTH = 32;

/**
 * The secret library tokens (JWT HS256, claim `lib`) are signed with on this machine: `ALBUM_TOKEN_SECRET`
 * when set (the same variable as on FC), else `<data>/token-secret`, made on first use from 32 random bytes
 * (base64url, 43 characters) and readable by the owner only. `npm run token` and `start --libraries` read
 * the same one, so tokens minted on the command line open the running album.
 */
export function loadTokenSecret(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.ALBUM_TOKEN_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_LENGTH)
      throw new Error(`ALBUM_TOKEN_SECRET must be at least ${MIN_LENGTH} characters`);
    return fromEnv;
  }
  const file = join(dataDir, TOKEN_SECRET_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process made it first: read theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  // A short or empty secret makes tokens anyone can forge: refuse it rather than serve with it.
  if (secret.length < MIN_LENGTH)
    throw new Error(
      `the token secret ${file} is shorter than ${MIN_LENGTH} characters; delete it and a new one is made (tokens already handed out stop working)`,
    );
  return secret;
}
