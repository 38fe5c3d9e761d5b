import type { FastifyRequest } from 'fastify';
import { currentUser } from '../../http/auth.js';
import type { AuditActor } from './audit.repository.js';

/** The caller of an operator route, as the audit log records it. */
export function auditActor(req: FastifyRequest): AuditActor {
  return { userId: currentUser(req).userId, requestId: req.id };
}
