#!/usr/bin/env node
// faafo-stack: the operator's CLI (oclif, compiled commands in dist/src/commands, manifest in oclif.manifest.json).
// Import only oclif's `execute` entry: the package index pulls in modules `--help` never needs (start-up time).
import { execute } from '@oclif/core/execute';

await execute({ dir: import.meta.url });
