#!/usr/bin/env node
// The `crossdock` binary: registers tsx so the TypeScript sources run as they are (no build step),
// then hands over to the CLI.
require('tsx/cjs');
// Before anything loads kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
require('../core/kafkajs-patch.ts');
require('../cli/main.ts');
