#!/usr/bin/env node
// The bin of the published package: it runs the CLI compiled to JavaScript in dist/ (`pnpm run build`).
// In the workspace, bin/spendtrace.js runs the TypeScript source directly.
import '../dist/cli/main.js';
