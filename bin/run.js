#!/usr/bin/env node
// faafo-stack: the operator's CLI (oclif, compiled commands in dist/src/commands, manifest in oclif.manifest.json).
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
