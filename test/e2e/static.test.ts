import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler, notFoundHandler } from '../../src/http/error-handler.js';
import { staticPlugin } from '../../src/http/static.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

async function appServing(root: string): Promise<FastifyInstance> {
  const app = Fastify();
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.get('/api/v1/health/live', () => ({ status: 'ok' }));
  await app.register(staticPlugin, { root });
  await app.ready();
  return app;
}

const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('serving the web app (src/http/static.ts)', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'matinee-public-'));
    await mkdir(path.join(dir, 'assets'));
    await mkdir(path.join(dir, 'posters'));
    await writeFile(
      path.join(dir, 'index.html'),
      '<!doctype html><title>Matinee</title><div id="root"></div>',
    );
    await writeFile(path.join(dir, 'assets', 'index-AbC123.js'), 'console.log("hi")');
    await writeFile(
      path.join(dir, 'posters', 'harbor-lights.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg"/>',
    );
    await writeFile(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    app = await appServing(dir);
  });

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves fingerprinted assets as immutable for a year', async () => {
    const res = await app.inject('/assets/index-AbC123.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('javascript');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.body).toBe('console.log("hi")');
  });

  it('serves index.html with no-cache and an ETag that revalidates to 304', async () => {
    const res = await app.inject({ url: '/', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    const etag = res.headers.etag as string;
    expect(etag).toBeTruthy();
    const again = await app.inject({ url: '/', headers: { ...html, 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
  });

  it('serves posters with a day of caching and an ETag', async () => {
    const res = await app.inject('/posters/harbor-lights.svg');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('image/svg+xml');
    expect(res.headers['cache-control']).toBe('public, max-age=86400');
    expect(res.headers.etag).toBeTruthy();
  });

  it('falls back to index.html for client-side routes a browser asks for', async () => {
    const res = await app.inject({ url: '/theaters/123?date=2030-01-01', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<div id="root">');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('keeps API 404s JSON, even for a browser', async () => {
    for (const url of ['/api/v1/nope', '/api/nope', '/openapi.json']) {
      const res = await app.inject({ url, headers: html });
      expect(res.statusCode, url).toBe(404);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('ROUTE_NOT_FOUND');
    }
    expect((await app.inject('/api/v1/health/live')).json()).toEqual({ status: 'ok' });
  });

  it('answers 404 for missing assets and for non-HTML requests of unknown paths', async () => {
    expect((await app.inject({ url: '/assets/missing.js', headers: html })).statusCode).toBe(404);
    expect((await app.inject({ url: '/posters/missing.svg', headers: html })).statusCode).toBe(404);
    const res = await app.inject({ url: '/some/page', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(404);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('never serves files outside its folder', async () => {
    for (const url of ['/../package.json', '/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json']) {
      const res = await app.inject({ url, headers: { accept: 'application/json' } });
      expect(res.statusCode, url).toBe(404);
    }
  });

  it('explains how to build the app when public/ is missing', async () => {
    const bare = await appServing(path.join(dir, 'does-not-exist'));
    const res = await bare.inject({ url: '/', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('npm run build:web');
    await bare.close();
  });
});

describe('the real app serves the web app beside the API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers pages with HTML and unknown API routes with JSON', async () => {
    const page = await t.app.inject({ url: '/bookings', headers: html });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const api = await t.app.inject({ url: '/api/v1/definitely-not-a-route', headers: html });
    expect(api.statusCode).toBe(404);
    expect(api.json<{ error: { code: string } }>().error.code).toBe('ROUTE_NOT_FOUND');
    const docs = await t.app.inject({ url: '/openapi.json' });
    expect(docs.statusCode).toBe(200);
  });
});
