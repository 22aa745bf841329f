// Runs the `faafo` CLI from source (app/cli/main.ts via tsx), as bin/faafo.js does from dist/.
import { main } from '../../app/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
