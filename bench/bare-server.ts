/**
 * The seat map's baseline: a bare Node `http` server answering a few bytes, in its own process like the app,
 * so the ratio shows what Fastify, auth, the database and the seat map's JSON cost on top of HTTP itself.
 */
import http from 'node:http';

const body = Buffer.from('{"ok":true}');
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`PORT ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
