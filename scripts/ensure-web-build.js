// Runs before `npm start` (and before the browser tests): builds the web app into public/ when it is missing
// or older than any file in web/, so a fresh clone serves the app at / and a warm start costs a directory walk.
// The build goes to a temporary folder that replaces public/ when complete, so a running server never serves
// half a build, and a lock keeps two simultaneous callers from building over each other.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webDir = path.join(root, 'web');
const publicDir = path.join(root, 'public');
const builtIndex = path.join(publicDir, 'index.html');
// Scratch space inside node_modules (ignored by git, same file system as public/ for the final rename).
const scratch = path.join(root, 'node_modules', '.cache', 'matinee-web');
const lockDir = path.join(scratch, 'build.lock');
const LOCK_STALE_MS = 5 * 60_000;

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function reasonToBuild() {
  if (!existsSync(webDir)) return null;
  if (!existsSync(builtIndex)) return 'public/index.html is missing';
  if (newestMtime(webDir) > statSync(builtIndex).mtimeMs) return 'web/ changed since the last build';
  return null;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** mkdir is atomic: whoever creates the folder holds the lock. A lock older than 5 minutes is abandoned. */
function lock() {
  for (;;) {
    try {
      mkdirSync(scratch, { recursive: true });
      mkdirSync(lockDir);
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > LOCK_STALE_MS)
          rmSync(lockDir, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      sleep(250);
    }
  }
}

function build(reason) {
  const viteBin = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(viteBin)) {
    console.warn(`[web] ${reason}, but Vite is not installed (npm install without dev dependencies?).`);
    console.warn(
      '[web] The API will start; the web app will be missing until `npm install && npm run build:web`.',
    );
    return;
  }
  console.log(`[web] building the web app (${reason})…`);
  const started = Date.now();
  const staging = path.join(scratch, `build-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const result = spawnSync(
    process.execPath,
    [
      viteBin,
      'build',
      '--config',
      'web/vite.config.ts',
      '--outDir',
      staging,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    // A production bundle even when called from tests (Vitest sets NODE_ENV=test, which Vite would honour).
    { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
  );
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    console.error('[web] the build failed; see above. The API will still start.');
    return;
  }
  const old = path.join(scratch, `old-${process.pid}`);
  if (existsSync(publicDir)) renameSync(publicDir, old);
  renameSync(staging, publicDir);
  rmSync(old, { recursive: true, force: true });
  console.log(`[web] built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (reasonToBuild()) {
  lock();
  try {
    // Someone else may have built it while we waited for the lock.
    const reason = reasonToBuild();
    if (reason) build(reason);
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
