// Runs before `npm start`: builds the web app into public/ when it is missing or older than any file in web/,
// so a fresh clone serves the app at / and a warm start costs a directory walk (milliseconds).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webDir = path.join(root, 'web');
const builtIndex = path.join(root, 'public', 'index.html');

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

const reason = reasonToBuild();
if (!reason) process.exit(0);

const viteBin = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
if (!existsSync(viteBin)) {
  console.warn(`[web] ${reason}, but Vite is not installed (npm install without dev dependencies?).`);
  console.warn(
    '[web] The API will start; the web app will be missing until `npm install && npm run build:web`.',
  );
  process.exit(0);
}

console.log(`[web] building the web app (${reason})…`);
const started = Date.now();
const result = spawnSync(
  process.execPath,
  [viteBin, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (result.status !== 0) {
  console.error('[web] the build failed; see above. The API will still start.');
  process.exit(0);
}
console.log(`[web] built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
