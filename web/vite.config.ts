import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const webDir = fileURLToPath(new URL('.', import.meta.url));
const outDir = path.resolve(webDir, '../public');
const apiTarget = process.env.MATINEE_API_URL ?? 'http://localhost:3000';

/** Writes .br and .gz beside every text file of the build, so the server sends them without compressing. */
function precompress(): Plugin {
  const brotli = promisify(brotliCompress);
  const gz = promisify(gzip);
  async function* files(dir: string): AsyncGenerator<string> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) yield* files(full);
      else yield full;
    }
  }
  let dir = outDir;
  return {
    name: 'matinee-precompress',
    apply: 'build',
    configResolved(config) {
      dir = path.resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      for await (const file of files(dir)) {
        if (!/\.(js|css|html|svg|json|txt)$/.test(file) || (await stat(file)).size < 1024) continue;
        const body = await readFile(file);
        await writeFile(
          `${file}.br`,
          await brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
        await writeFile(`${file}.gz`, await gz(body, { level: 9 }));
      }
    },
  };
}

// `npm run build:web` writes the app into public/ (served by the API); `npm run dev:web` serves it with hot
// reload on :5173 and forwards /api to the API on :3000 (`npm run dev` in another terminal).
export default defineConfig({
  root: webDir,
  publicDir: path.join(webDir, 'public'),
  plugins: [react(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    port: 5173,
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  preview: { port: 4173, proxy: { '/api': { target: apiTarget } } },
});
