#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through tsx, so `npm install` is the whole build.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/runtime/node/cli.ts');
await main(process.argv.slice(2));
