/**
 * `npm run backfill -- [--dry-run] [--reconcile] [--rate N] …` (src/backfill/backfill-cli.ts).
 * Not a cloud bundle: runs on the deployer's machine with the deployer's credentials.
 */
import { main } from '../src/backfill/backfill-cli';

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  tty: !!process.stdout.isTTY,
  cwd: process.cwd(),
});
