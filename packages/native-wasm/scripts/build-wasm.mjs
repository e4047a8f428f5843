#!/usr/bin/env node
// Builds the WebAssembly module of the trainer from @vae/native's C++ core (../native/addon/src: the
// same sources as the addon, with the SIMD128 GEMM in place of OpenBLAS) plus this package's C entry
// points (cc/wasm-api.cc), with Emscripten, into wasm/:
//
//   vae-wasm-threads.{mjs,wasm,worker.js}  SIMD128 + threads (shared memory; worker_threads / Web Workers)
//   vae-wasm.{mjs,wasm}                    SIMD128, one thread (where there is no SharedArrayBuffer)
//   build-info.json                        the emcc version, the flags and a hash of the sources
//
// wasm/ is committed: installing or building the package needs Node only. This script is how it is
// remade (`pnpm --filter @vae/native-wasm build:wasm`) and checked (`check:wasm`: rebuild in a
// temp directory, compare byte for byte with the committed files, exit 1 with one line if any
// differs). Without emcc both say so in one line and exit 0 (VAE_WASM_STRICT=1: exit 1, for CI).
//
//   VAE_EMCC=/path/to/emcc   the compiler (default: emcc on PATH)
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyFileReplacing } from '../../native/scripts/replace-file.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const coreDir = path.resolve(root, '..', 'native', 'addon', 'src');
const outDir = path.join(root, 'wasm');
const check = process.argv.includes('--check');
const strict = process.env.VAE_WASM_STRICT === '1';
const who = `[@vae/native-wasm] ${check ? 'check:wasm' : 'build:wasm'}`;

/** The core's translation units (not addon.cc, the Node-API glue, nor gemm_openblas.cc). */
const coreSources = ['trainer.cc', 'gemm_simd128.cc'];
const apiSource = 'cc/wasm-api.cc';

// -ffp-contract=off as the addon (Adam's float32 arithmetic as tfjs'). -fexceptions carries the
// core's std::invalid_argument (a layer without a kernel) to wasm-api.cc; Emscripten 3.1.6's wasm
// exceptions (-fwasm-exceptions) were not caught there in the threads build (its -mt libc++abi).
const compileFlags = ['-O3', '-msimd128', '-std=c++20', '-fexceptions', '-ffp-contract=off', '-fno-math-errno', '-fopenmp-simd'];
const linkFlags = [
  '-fexceptions',
  '-sMODULARIZE',
  '-sEXPORT_ES6',
  '-sEXPORT_NAME=createVaeWasm',
  '-sENVIRONMENT=web,worker,node',
  '-sALLOW_MEMORY_GROWTH',
  '-sMAXIMUM_MEMORY=2GB',
  // A library must not install process-wide handlers that rethrow.
  '-sNODEJS_CATCH_EXIT=0',
  '-sNODEJS_CATCH_REJECTION=0',
  '-sEXPORTED_FUNCTIONS=_malloc,_free',
  '-sEXPORTED_RUNTIME_METHODS=UTF8ToString,stringToUTF8,lengthBytesUTF8',
];
const variants = [
  // Workers are started when the module loads, as many as the loader asks for (src/load.ts).
  { name: 'vae-wasm-threads', flags: ['-pthread'], link: ['-pthread', '-sPTHREAD_POOL_SIZE=Module["vaeWorkers"]'] },
  { name: 'vae-wasm', flags: [], link: [] },
];

function fail(line) {
  console.error(`${who}: ${line}`);
  process.exit(1);
}

function unavailable(line) {
  if (strict) fail(`${line} (VAE_WASM_STRICT=1)`);
  console.warn(`${who}: skipped — ${line}; the committed wasm/ is used as it is.`);
  process.exit(0);
}

const emcc = process.env.VAE_EMCC || 'emcc';
// Debian's emscripten runs its JS optimizer with the system node, which may not search
// /usr/share/nodejs (where Debian keeps acorn, which emcc needs).
const env = { ...process.env };
if (existsSync('/usr/share/nodejs/acorn')) env.NODE_PATH = [env.NODE_PATH, '/usr/share/nodejs'].filter(Boolean).join(path.delimiter);
const version = spawnSync(emcc, ['--version'], { encoding: 'utf8', env });
if (version.error || version.status !== 0) unavailable(`emcc not found (${emcc}; install emscripten, e.g. apt-get install emscripten, or set VAE_EMCC)`);
const emccVersion = /emcc \([^)]*\) ([0-9][^\s]*)/.exec(version.stdout)?.[1] ?? version.stdout.split('\n')[0].trim();

/** SHA-256 over the sources compiled, each as name, NUL, bytes, NUL (headers included: the whole core directory). */
function sourceHash() {
  const hash = createHash('sha256');
  const files = [
    ...readdirSync(coreDir)
      .sort()
      .map((name) => [`native/addon/src/${name}`, path.join(coreDir, name)]),
    [`native-wasm/${apiSource}`, path.join(root, apiSource)],
  ];
  for (const [name, file] of files) hash.update(name).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

// The ES6 glue Emscripten 3.1 emits for Node reads `require` and `__dirname`, which an ES module
// lacks. In Node's main thread the package's loader provides them (provideNodeRequire, called by
// src/load.ts before the factory, through `node:module` — never in a browser); in a Node worker,
// the worker script has set them as globals.
const gluePrelude = `// Node: \`require\` and \`__dirname\` for the code below (an ES module has neither): set by
// provideNodeRequire from @vae/native-wasm's loader before the factory runs, or, in a pthread
// worker, the globals worker.js defines. Unused in browsers.
var require = globalThis.require, __dirname = globalThis.__dirname;
export function provideNodeRequire(nodeRequire, directory) {
  require = nodeRequire;
  __dirname = directory;
}
`;

/** The glue's types, for src/load.ts. */
const glueTypes = `// Emscripten's factory (src/module.ts types the instance it resolves to).
declare const createVaeWasm: (settings?: Record<string, unknown>) => Promise<any>;
export default createVaeWasm;
export function provideNodeRequire(nodeRequire: unknown, directory: string): void;
`;

function buildInto(dir) {
  for (const variant of variants) {
    const args = [
      ...compileFlags,
      ...variant.flags,
      '-I',
      path.relative(root, coreDir),
      ...coreSources.map((f) => path.relative(root, path.join(coreDir, f))),
      apiSource,
      ...linkFlags,
      ...variant.link,
      '-o',
      path.join(dir, `${variant.name}.mjs`),
    ];
    const run = spawnSync(emcc, args, { cwd: root, encoding: 'utf8', env });
    if (run.status !== 0) {
      const log = `${run.stdout}\n${run.stderr}`;
      const first = log.split('\n').find((l) => /error/i.test(l)) ?? log.trim().split('\n').pop();
      fail(`emcc failed for ${variant.name}: ${first?.trim()}`);
    }
    const glueFile = path.join(dir, `${variant.name}.mjs`);
    const glue = readFileSync(glueFile, 'utf8');
    if (!glue.includes('export default createVaeWasm;')) fail(`unexpected glue from emcc ${emccVersion} (no 'export default createVaeWasm;')`);
    writeFileSync(glueFile, gluePrelude + glue);
    writeFileSync(path.join(dir, `${variant.name}.d.mts`), glueTypes);
  }
  // The worker script is CommonJS (require, __filename); this package is "type": "module".
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
  const info = {
    emcc: emccVersion,
    compileFlags,
    linkFlags,
    variants: variants.map((v) => ({ name: v.name, flags: [...v.flags, ...v.link] })),
    sources: sourceHash(),
  };
  writeFileSync(path.join(dir, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
}

const started = Date.now();
const temp = mkdtempSync(path.join(os.tmpdir(), 'vae-wasm-'));
try {
  buildInto(temp);
  const built = readdirSync(temp).sort();
  if (check) {
    const committedInfo = path.join(outDir, 'build-info.json');
    if (existsSync(committedInfo)) {
      const was = JSON.parse(readFileSync(committedInfo, 'utf8')).emcc;
      if (was !== emccVersion) fail(`wasm/ was built with emcc ${was}, this machine has ${emccVersion}: rebuild and compare with emcc ${was}`);
    }
    const differ = built.filter((name) => {
      const committed = path.join(outDir, name);
      return !existsSync(committed) || !readFileSync(committed).equals(readFileSync(path.join(temp, name)));
    });
    const extra = existsSync(outDir) ? readdirSync(outDir).filter((name) => !built.includes(name)) : [];
    if (differ.length || extra.length) {
      fail(
        `wasm/${[...differ, ...extra].join(', wasm/')} ${differ.length + extra.length === 1 ? 'differs' : 'differ'} from a rebuild of the current C++ sources (emcc ${emccVersion}): run pnpm --filter @vae/native-wasm build:wasm and commit wasm/`,
      );
    }
    console.log(`${who}: wasm/ matches a rebuild of the current sources (emcc ${emccVersion}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } else {
    mkdirSync(outDir, { recursive: true });
    for (const name of built) copyFileReplacing(path.join(temp, name), path.join(outDir, name));
    for (const name of readdirSync(outDir)) if (!built.includes(name)) rmSync(path.join(outDir, name));
    console.log(`${who}: built wasm/ (${built.join(', ')}) with emcc ${emccVersion} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}
