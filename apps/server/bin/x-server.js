#!/usr/bin/env node
// Committed (not built) so that installing the workspace before the first build links a bin
// that exists; the CLI itself is in dist/ once the package is built (`pnpm build`).
import '../dist/cli.js';
