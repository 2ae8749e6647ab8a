#!/usr/bin/env node
// The `crossdock` binary: registers tsx so the TypeScript sources run as they are (no build step),
// then hands over to the CLI.
require('tsx/cjs');
require('../cli/main.ts');
