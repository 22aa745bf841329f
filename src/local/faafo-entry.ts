// Runs the `faafo` CLI from the TypeScript source (through tsx) when local mode runs uncompiled, as bin/faafo.js
// does from dist/. A file, not `node -e`: the renderer's worker threads inherit the parent's execArgv.
import { main } from '../../app/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
