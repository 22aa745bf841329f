#!/usr/bin/env node
// faafo: the fractal service's own CLI (api, worker, serve, create, list, show, delete, get).
import { main } from '../dist/app/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
