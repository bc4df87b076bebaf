// Runs a WASI preview 1 program under Node's node:wasi, the reference that
// tests/wasi/run.sh compares teanode with. Same command line as
// `teanode wasm run`, reduced to what the tests use:
//   node node_wasi.mjs [--dir HOST[::GUEST]]... [--env NAME=VALUE]... MODULE.wasm [ARGS...]
// Exits with the program's exit status.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const argv = process.argv.slice(2);
const preopens = {};
const env = {};
let i = 0;
for (; i < argv.length && argv[i].startsWith('--'); i++) {
  const opt = argv[i];
  if (opt === '--') { i++; break; }
  const value = argv[++i];
  if (value === undefined) throw new Error(`${opt} needs a value`);
  if (opt === '--dir') {
    const sep = value.lastIndexOf('::');
    const host = sep < 0 ? value : value.slice(0, sep);
    preopens[sep < 0 ? value : value.slice(sep + 2)] = host;
  } else if (opt === '--env') {
    const eq = value.indexOf('=');
    env[value.slice(0, eq)] = value.slice(eq + 1);
  } else {
    throw new Error(`unknown option ${opt}`);
  }
}
const modulePath = argv[i];
if (!modulePath) {
  process.stderr.write('usage: node node_wasi.mjs [--dir H[::G]] [--env N=V] MODULE.wasm [ARGS...]\n');
  process.exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: [modulePath, ...argv.slice(i + 1)],
  env,
  preopens,
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(modulePath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
const status = wasi.start(instance);
process.exitCode = status ?? 0;
