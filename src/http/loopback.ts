import type { FastifyRequest } from 'fastify';

/** A request from the machine itself (the socket's peer, never X-Forwarded-For). */
export function isLoopback(req: FastifyRequest): boolean {
  return ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress ?? '');
}
