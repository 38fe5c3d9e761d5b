import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { PG, pgErrorCode } from '../../db/database.js';
import type { InvitationRow, Role } from '../../db/schema.js';
import { NotFoundError } from '../../http/errors.js';
import { OwnRoleError } from '../accounts/accounts.errors.js';
import { AccountsRepository } from '../accounts/accounts.repository.js';
import type { AuthResponse } from '../accounts/accounts.schemas.js';
import { toUser } from '../accounts/accounts.service.js';
import { hashPassword } from '../accounts/password.js';
import { recordAudit, type AuditActor } from '../audit/audit.repository.js';
import { recordInvitation } from '../notifications/notifications.outbox.js';
import { invitationToken, invitationTokenHash } from './invitation-token.js';
import {
  AlreadyOperatorError,
  InvitationAccountExistsError,
  InvitationClosedError,
  InvitationDetailsRequiredError,
  InvitationEmailMismatchError,
  InvitationNotFoundError,
  InvitationTokenError,
  TheatersForRoleError,
  UnknownTheatersError,
} from './people.errors.js';
import { PeopleRepository, type AccessRow, type InvitationView } from './people.repository.js';
import type {
  AcceptInvitationBody,
  AccessChangeBody,
  Invitation,
  InvitationPreview,
  InviteBody,
  Person,
} from './people.schemas.js';

/** What the audit log keeps of an account's access. */
function accessSnapshot(a: { email: string; role: Role; theaterIds: readonly string[] | null }) {
  return { email: a.email, role: a.role, theaterIds: a.theaterIds };
}

function theatersOf(row: AccessRow): string[] | null {
  return row.role === 'staff' && row.theaters_restricted ? row.theater_ids : null;
}

/** An admin's job is every theater: the higher of two roles wins when an invitation meets an account. */
function higherRole(a: Role, b: Role): Role {
  const rank: Record<Role, number> = { customer: 0, staff: 1, admin: 2 };
  return rank[a] >= rank[b] ? a : b;
}

/**
 * People of the operator console (issue 12 part 5): invitations by email for staff (per theater) and admins,
 * changing and revoking access. Every change is audited in its own transaction; a role change signs the account
 * out (token version), a change of theaters applies at the next check-in or sale (read per request).
 */
export class PeopleService {
  private readonly repo = new PeopleRepository();

  constructor(private readonly ctx: AppContext) {}

  async listPeople(): Promise<Person[]> {
    const rows = await this.repo.operators(this.ctx.db);
    const names = await this.repo.theaterNames(this.ctx.db, [...new Set(rows.flatMap((r) => r.theater_ids))]);
    return rows.map((r) => this.toPerson(r, names));
  }

  /** New role and theaters of an account; role customer revokes operator access. */
  async changeAccess(actor: AuditActor, userId: string, body: AccessChangeBody): Promise<Person | null> {
    if (actor.userId === userId) throw new OwnRoleError();
    const theaterIds = this.checkTheatersForRole(body.role, body.theaterIds);
    const theaters = await this.requireOpenTheaters(theaterIds);
    const after = await this.ctx.db.transaction().execute(async (trx) => {
      const before = await this.repo.accessOf(trx, userId, true);
      if (!before) throw new NotFoundError('User', 'USER_NOT_FOUND');
      await this.repo.setAccess(trx, userId, body.role, body.role === 'staff' ? theaterIds : null);
      await recordAudit(trx, actor, {
        action: body.role === 'customer' ? 'user.revoke_access' : 'user.change_access',
        subjectType: 'user',
        subjectId: userId,
        theaterId: theaterIds?.length === 1 ? theaterIds[0] : null,
        before: accessSnapshot({ email: before.email, role: before.role, theaterIds: theatersOf(before) }),
        after: accessSnapshot({ email: before.email, role: body.role, theaterIds }),
      });
      return (await this.repo.accessOf(trx, userId))!;
    });
    this.ctx.sessions.forget(userId);
    if (after.role === 'customer') return null;
    return this.toPerson(after, new Map(theaters.map((t) => [t.id, t.name])));
  }

  async invite(actor: AuditActor, body: InviteBody): Promise<Invitation> {
    const email = body.email.trim().toLowerCase();
    const theaterIds = this.checkTheatersForRole(body.role, body.theaterIds) ?? [];
    const theaters = await this.requireOpenTheaters(theaterIds);
    const existing = await new AccountsRepository(this.ctx.db).findByEmail(email);
    if (existing && existing.role !== 'customer') throw new AlreadyOperatorError(existing.role);
    const id = randomUUID();
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction().execute(async (trx) => {
      // Two admins inviting one address at once: the second waits, then replaces the first's invitation.
      await this.repo.lockEmail(trx, email);
      for (const old of await this.repo.revokeOpenFor(trx, email, now)) {
        await recordAudit(trx, actor, {
          action: 'invitation.revoke',
          subjectType: 'invitation',
          subjectId: old.id,
          before: this.invitationSnapshot(old),
          after: null,
          reason: 'replaced by a newer invitation',
        });
      }
      const row = {
        id,
        email,
        role: body.role,
        theaterIds,
        tokenHash: invitationTokenHash(invitationToken(this.ctx.config, id)),
        invitedBy: actor.userId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + this.ctx.config.invitationTtlHours * 3_600_000),
      };
      await this.repo.insertInvitation(trx, row);
      await recordInvitation(trx, this.ctx, id);
      await recordAudit(trx, actor, {
        action: 'invitation.create',
        subjectType: 'invitation',
        subjectId: id,
        theaterId: theaterIds.length === 1 ? theaterIds[0] : null,
        before: null,
        after: { email, role: body.role, theaterIds, expiresAt: row.expiresAt.toISOString() },
      });
    });
    const view = await this.repo.findInvitation(this.ctx.db, id);
    return this.toInvitation(view!, new Map(theaters.map((t) => [t.id, t.name])), now);
  }

  async listInvitations(): Promise<Invitation[]> {
    const now = this.ctx.clock.now();
    const rows = await this.repo.listInvitations(this.ctx.db, now);
    const names = await this.repo.theaterNames(this.ctx.db, [...new Set(rows.flatMap((r) => r.theater_ids))]);
    return rows.map((r) => this.toInvitation(r, names, now));
  }

  async revokeInvitation(actor: AuditActor, invitationId: string): Promise<void> {
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction().execute(async (trx) => {
      const row = await this.repo.findInvitation(trx, invitationId, true);
      if (!row) throw new InvitationNotFoundError();
      if (row.accepted_at) throw new InvitationClosedError('accepted');
      if (row.revoked_at) throw new InvitationClosedError('revoked');
      await this.repo.revokeInvitation(trx, invitationId, now);
      await recordAudit(trx, actor, {
        action: 'invitation.revoke',
        subjectType: 'invitation',
        subjectId: invitationId,
        theaterId: row.theater_ids.length === 1 ? row.theater_ids[0] : null,
        before: this.invitationSnapshot(row),
        after: null,
      });
    });
  }

  /** What the accept page shows before the invitee decides: refuses dead links with the same errors as accept. */
  async previewInvitation(token: string): Promise<InvitationPreview> {
    const row = await this.repo.findInvitationByHash(this.ctx.db, invitationTokenHash(token));
    if (!row) throw new InvitationTokenError('invalid');
    this.assertUsable(row, this.ctx.clock.now());
    const theaters = await this.repo.openTheaters(this.ctx.db, row.theater_ids);
    const account = await new AccountsRepository(this.ctx.db).findByEmail(row.email);
    return {
      email: row.email,
      role: row.role,
      theaters,
      expiresAt: row.expires_at.toISOString(),
      accountExists: account !== undefined,
    };
  }

  /**
   * Accepts an invitation: signed in as the invited email, the account gets the role (never a lower one) and the
   * theaters; signed out, a new account is made with the name and password given. The token is used by one
   * conditional UPDATE in the transaction that grants the access, so it works once even under concurrent use.
   */
  async acceptInvitation(callerId: string | undefined, body: AcceptInvitationBody): Promise<AuthResponse> {
    const hash = invitationTokenHash(body.token);
    const found = await this.repo.findInvitationByHash(this.ctx.db, hash);
    if (!found) throw new InvitationTokenError('invalid');
    this.assertUsable(found, this.ctx.clock.now());
    const accounts = new AccountsRepository(this.ctx.db);

    let passwordHash: string | undefined;
    if (callerId) {
      const caller = await accounts.findById(callerId);
      if (!caller) throw new NotFoundError('User', 'USER_NOT_FOUND');
      if (caller.email.toLowerCase() !== found.email.toLowerCase())
        throw new InvitationEmailMismatchError(found.email);
    } else {
      if (await accounts.findByEmail(found.email)) throw new InvitationAccountExistsError();
      if (!body.name || !body.password) throw new InvitationDetailsRequiredError();
      passwordHash = await hashPassword(body.password);
    }

    const userId = await this.ctx.db
      .transaction()
      .execute(async (trx) => {
        const now = this.ctx.clock.now();
        const inv = await this.repo.consumeInvitation(trx, hash, now);
        if (!inv) {
          const current = await this.repo.findInvitationByHash(trx, hash);
          if (current) this.assertUsable(current, now);
          throw new InvitationTokenError('invalid');
        }
        // Theaters closed or deleted since the invitation was sent are left out.
        const theaterIds = (await this.repo.openTheaters(trx, inv.theater_ids)).map((t) => t.id);
        let id: string;
        let before: ReturnType<typeof accessSnapshot> | null = null;
        let role: Role = inv.role;
        if (callerId) {
          const current = (await this.repo.accessOf(trx, callerId, true))!;
          before = accessSnapshot({
            email: current.email,
            role: current.role,
            theaterIds: theatersOf(current),
          });
          role = higherRole(current.role, inv.role);
          id = callerId;
        } else {
          const created = await new AccountsRepository(trx).insertUser({
            email: inv.email,
            name: body.name!.trim(),
            phone: null,
            password_hash: passwordHash!,
            role: 'customer',
          });
          id = created.id;
        }
        const theaters = role === 'staff' ? theaterIds : null;
        await this.repo.setAccess(trx, id, role, theaters);
        await this.repo.markAcceptedBy(trx, inv.id, id);
        await recordAudit(
          trx,
          { userId: id },
          {
            action: 'user.accept_invitation',
            subjectType: 'user',
            subjectId: id,
            theaterId: theaters?.length === 1 ? theaters[0] : null,
            before,
            after: {
              ...accessSnapshot({ email: inv.email, role, theaterIds: theaters }),
              invitationId: inv.id,
            },
          },
        );
        return id;
      })
      .catch((err: unknown) => {
        if (pgErrorCode(err) === PG.uniqueViolation) throw new InvitationAccountExistsError();
        throw err;
      });
    this.ctx.sessions.forget(userId);
    const row = (await accounts.findById(userId))!;
    const token = await this.ctx.tokens.issue({ userId, role: row.role, tokenVersion: row.token_version });
    return { token, user: toUser(row) };
  }

  private assertUsable(
    r: { accepted_at: Date | null; revoked_at: Date | null; expires_at: Date },
    now: Date,
  ): void {
    if (r.accepted_at) throw new InvitationTokenError('accepted');
    if (r.revoked_at) throw new InvitationTokenError('revoked');
    if (r.expires_at <= now) throw new InvitationTokenError('expired');
  }

  private checkTheatersForRole(role: Role, theaterIds: string[] | undefined): string[] | null {
    if (role === 'staff') {
      if (!theaterIds || theaterIds.length === 0) throw new TheatersForRoleError('staff');
      return theaterIds;
    }
    if (theaterIds !== undefined) throw new TheatersForRoleError(role);
    return null;
  }

  private async requireOpenTheaters(ids: string[] | null): Promise<{ id: string; name: string }[]> {
    if (!ids) return [];
    const found = await this.repo.openTheaters(this.ctx.db, ids);
    const missing = ids.filter((id) => !found.some((t) => t.id === id));
    if (missing.length > 0) throw new UnknownTheatersError(missing);
    return found;
  }

  private invitationSnapshot(r: InvitationRow) {
    return { email: r.email, role: r.role, theaterIds: r.theater_ids, expiresAt: r.expires_at.toISOString() };
  }

  private toPerson(r: AccessRow, names: Map<string, string>): Person {
    const ids = theatersOf(r);
    return {
      id: r.id,
      email: r.email,
      name: r.name,
      role: r.role === 'admin' ? 'admin' : 'staff',
      theaters: ids
        ? ids.map((id) => ({ id, name: names.get(id) ?? id })).sort((a, b) => a.name.localeCompare(b.name))
        : null,
      createdAt: r.created_at.toISOString(),
    };
  }

  private toInvitation(r: InvitationView, names: Map<string, string>, now: Date): Invitation {
    return {
      id: r.id,
      email: r.email,
      role: r.role,
      theaters: r.theater_ids.map((id) => ({ id, name: names.get(id) ?? id })),
      status: r.accepted_at
        ? 'accepted'
        : r.revoked_at
          ? 'revoked'
          : r.expires_at <= now
            ? 'expired'
            : 'pending',
      invitedBy: r.invited_by_email,
      createdAt: r.created_at.toISOString(),
      expiresAt: r.expires_at.toISOString(),
    };
  }
}
