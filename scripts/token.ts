/** `npm run token -- --library alice --ttl 3600` (src/library/token-cli.ts). */
import { main } from '../src/library/token-cli';

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
