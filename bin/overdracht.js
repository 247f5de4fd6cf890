#!/usr/bin/env node
// Entry point of the `overdracht` command; the TypeScript sources are compiled to dist/ by `npm ci`.
import '../dist/cli/main.js';
