#!/usr/bin/env node
// The `crossdock` binary: `--version` and `--help` are answered at once (bin/fast-path.js);
// anything else registers tsx so the TypeScript sources run as they are (no build step) and hands
// over to the CLI, which loads each command's parts only when it runs (docs/architecture.md).
// A reader that went away (`crossdock … | head`) ends the command quietly, as a closed pipe ends
// any Unix tool, instead of an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(0);
    throw err;
  });
if (!require('./fast-path').answer(process.argv.slice(2))) {
  require('tsx/cjs');
  require('../cli/main.ts').runCli(process.argv);
}
