import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** The web app's build output (`npm run build:web`), beside src/ at the repository root. */
export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

export interface StaticOptions {
  root?: string;
  /** Where else the pages may load images from: the map tile server's origin (MAP_TILE_URL). */
  imageOrigins?: string[];
}

// Fingerprinted by Vite: the name changes whenever the content does, so it can be cached for good.
const IMMUTABLE = 'public, max-age=31536000, immutable';
// Posters keep their names when replaced: a day in caches, then revalidated with the ETag.
const POSTERS = 'public, max-age=86400';
const OTHER_FILES = 'public, max-age=3600';
// The HTML names the current assets: always revalidate (cheap, with the ETag) so a deploy shows at once.
const HTML = 'no-cache';

const securityHeaders = (imageOrigins: string[]) => ({
  'content-security-policy': [
    "default-src 'self'",
    ["img-src 'self' data: blob: https:", ...imageOrigins].join(' '),
    "style-src 'self' 'unsafe-inline'",
    "connect-src 'self'",
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
});

/** The origin of a tile URL template, when it is an absolute http(s) URL (a plain-http tile server needs it). */
export function tileOrigin(tileUrl: string | undefined): string[] {
  if (!tileUrl) return [];
  try {
    const u = new URL(tileUrl.replace(/\{[a-z]+\}/g, '0'), 'http://relative.invalid');
    return u.hostname === 'relative.invalid' || u.protocol === 'https:' ? [] : [u.origin];
  } catch {
    return [];
  }
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Matinee</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>Matinee</h1>
<p>The API is running, but the web app has not been built yet.</p>
<p>Run <code>npm run build:web</code> (or restart with <code>npm start</code>, which builds it when needed),
then reload this page. The API is documented at <a href="/docs">/docs</a>.</p>
</body></html>
`;

function isApiPath(pathname: string): boolean {
  return (
    pathname.startsWith('/api/') ||
    pathname === '/api' ||
    pathname === '/docs' ||
    pathname.startsWith('/docs/') ||
    pathname === '/openapi.json'
  );
}

function cacheControlFor(relative: string): string {
  if (relative.startsWith('assets/')) return IMMUTABLE;
  if (relative.startsWith('posters/')) return POSTERS;
  if (relative.endsWith('.html')) return HTML;
  return OTHER_FILES;
}

/** A regular file inside root, or undefined: never follows `..` out of it. */
function fileInside(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const full = path.resolve(root, `.${decoded}`);
  if (!full.startsWith(root)) return undefined;
  try {
    return statSync(full).isFile() ? path.relative(root, full).split(path.sep).join('/') : undefined;
  } catch {
    return undefined;
  }
}

function acceptsHtml(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

/**
 * Serves the built web app from `public/` with CDN-friendly caching, and index.html for any other page a
 * browser asks for (client-side routes). API paths never fall back to HTML: their 404s stay JSON.
 */
export const staticPlugin: FastifyPluginAsync<StaticOptions> = async (app, opts) => {
  const root = path.resolve(opts.root ?? DEFAULT_PUBLIC_DIR) + path.sep;
  const HTML_SECURITY_HEADERS = securityHeaders(opts.imageOrigins ?? []);
  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.warn(`the web app is not built (${root}index.html is missing): run \`npm run build:web\``);
  }

  await app.register(fastifyStatic, {
    root,
    serve: false,
    cacheControl: false, // set per file below
    etag: true,
    lastModified: true,
    index: false,
    dotfiles: 'ignore',
    preCompressed: true, // the build writes .br and .gz beside each text asset
  });

  function sendPublicFile(reply: FastifyReply, relative: string): FastifyReply {
    void reply.header('cache-control', cacheControlFor(relative));
    void reply.header('vary', 'accept-encoding');
    if (relative.endsWith('.html')) void reply.headers(HTML_SECURITY_HEADERS);
    return reply.sendFile(relative);
  }

  app.route({
    method: ['GET', 'HEAD'],
    url: '/*',
    schema: { hide: true },
    config: { rateLimit: false },
    handler: (req, reply) => {
      const pathname = req.url.split('?')[0] ?? '/';
      if (isApiPath(pathname)) return reply.callNotFound();

      const file = pathname === '/' ? undefined : fileInside(root, pathname);
      if (file) return sendPublicFile(reply, file);

      const isPage = pathname === '/' || (acceptsHtml(req) && !/^\/(assets|posters)\//.test(pathname));
      if (!isPage) return reply.callNotFound();
      if (existsSync(path.join(root, 'index.html'))) return sendPublicFile(reply, 'index.html');
      return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
    },
  });
};
