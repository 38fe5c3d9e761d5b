// Bundles the server's entry points into dist/ with esbuild (a fraction of a second), so `npm start` runs
// plain JavaScript instead of compiling TypeScript at every start. Dependencies stay in node_modules.
// Entry points sit two folders deep (dist/main/*.js, like src/http/*.ts), so paths built from
// import.meta.url (the public/ folder) resolve the same from the bundle as from the sources.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

// A warm start skips the bundling when nothing in src/ (or this script) changed since the last one.
const bundle = path.join(root, 'dist', 'main', 'api.js');
const upToDate =
  !process.argv.includes('--force') &&
  existsSync(bundle) &&
  Math.max(newestMtime(path.join(root, 'src')), statSync(fileURLToPath(import.meta.url)).mtimeMs) <
    statSync(bundle).mtimeMs;
if (upToDate) process.exit(0);

const { build } = await import('esbuild');
const result = await build({
  absWorkingDir: root,
  entryPoints: {
    'main/api': 'src/main/api.ts',
    'main/worker': 'src/main/worker.ts',
    'main/cluster': 'src/main/cluster.ts',
    'db/cli': 'src/db/cli.ts',
  },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  write: false,
});
// Each file is written beside its target and renamed over it, so a process starting (or a second build
// running, as two test files may) never reads a half-written bundle.
for (const file of result.outputFiles) {
  mkdirSync(path.dirname(file.path), { recursive: true });
  const temp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(temp, file.contents);
  renameSync(temp, file.path);
}
if (process.env.npm_lifecycle_event !== 'prestart' || process.env.DEBUG_BUILD) {
  console.log(`[server] bundled into dist/ in ${Date.now() - started} ms`);
}
