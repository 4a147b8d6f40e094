#!/usr/bin/env node
'use strict';
// Runs the TypeScript CLI through tsx (a dependency), so `npm install && npm start` needs no build step.
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const entry = pathToFileURL(path.join(__dirname, '..', 'src', 'local', 'cli', 'main.ts')).href;
// Importing tsx/esm registers its loader hooks for this process (what `node --import tsx/esm` does).
import('tsx/esm')
  .then(() => import(entry))
  .then(
    (cli) => cli.main(process.argv),
    (err) => {
      process.stderr.write(`face-album: failed to start: ${err?.stack ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
