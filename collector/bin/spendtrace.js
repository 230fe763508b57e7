#!/usr/bin/env node
// The CLI is TypeScript run by Node's built-in type stripping; this shim keeps the bin a plain .js file.
import '../src/cli/main.ts';
