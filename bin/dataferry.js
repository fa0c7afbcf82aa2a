#!/usr/bin/env node
// The `dataferry` command. The code lives in the build (npm run build writes out/main/cli.js).
const path = require('node:path');
const fs = require('node:fs');

const cli = path.join(__dirname, '..', 'out', 'main', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(
    'dataferry: not built yet; run "npm run build" in the DataFerry checkout first\n',
  );
  process.exit(2);
}
// V8's compile cache (Node 22+): later runs skip parsing and compiling the bundle.
require('node:module').enableCompileCache?.();
require(cli);
