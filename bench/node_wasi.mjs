// Runs a wasm32-wasi program under Node's WebAssembly engine, as the reference that
// bench/run.sh compares tea's engine with:
//   node --no-warnings bench/node_wasi.mjs MODULE.wasm [ARGS...]
//   node --no-warnings bench/node_wasi.mjs --validate MODULE.wasm   (compile only)
// Exits with the program's exit code. No preopened directories, empty environment.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import process from 'node:process';

let args = process.argv.slice(2);
let validateOnly = false;
if (args[0] === '--validate') {
  validateOnly = true;
  args = args.slice(1);
}
if (args.length < 1) {
  process.stderr.write('usage: node_wasi.mjs [--validate] MODULE.wasm [ARGS...]\n');
  process.exit(2);
}
const file = args[0];
const bytes = readFileSync(file);

if (validateOnly) {
  // Compile (which validates) without instantiating or running anything.
  await WebAssembly.compile(bytes);
  process.stdout.write('valid\n');
} else {
  const wasi = new WASI({
    version: 'preview1',
    args: [file, ...args.slice(1)],
    env: {},
    preopens: {},
    returnOnExit: true,
  });
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  const code = wasi.start(instance);
  process.exitCode = code;
}
