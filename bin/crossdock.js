#!/usr/bin/env node
// The `crossdock` binary: `--version` and `--help` are answered at once (bin/fast-path.js);
// anything else registers tsx so the TypeScript sources run as they are (no build step) and hands
// over to the CLI, which loads each command's parts only when it runs (docs/architecture.md).
if (!require('./fast-path').answer(process.argv.slice(2))) {
  require('tsx/cjs');
  require('../cli/main.ts').runCli(process.argv);
}
