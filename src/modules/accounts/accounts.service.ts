import { recordAudit, type AuditActor } from '../audit/audit.repository.js';
import type { AppContext } from '../../context.js';
import { PG, pgErrorCode } from '../../db/database.js';
import type { Role, UserRow } from '../../db/schema.js';
import { NotFoundError } from '../../http/errors.js';
import { randomUUID } from 'node:crypto';
import { recordPasswordReset } from '../notifications/notifications.outbox.js';
import {
  EmailTakenError,
  InvalidCredentialsError,
  OwnRoleError,
  ResetTokenError,
  WrongPasswordError,
} from './accounts.errors.js';
import { AccountsRepository } from './accounts.repository.js';
import type {
  AuthResponse,
  LoginBody,
  PasswordChangeBody,
  PasswordResetBody,
  ProfileBody,
  SignupBody,
  User,
} from './accounts.schemas.js';
import { resetToken, resetTokenHash } from './password-reset.js';
import { parsePhone } from './phone.js';
import { dummyHashPromise, hashPassword, verifyPassword } from './password.js';

export const PASSWORD_RESET_REQUESTED =
  'If an account has this email, we have sent it a link to choose a new password. It works once, for a short time.';

export function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, phone: row.phone, role: row.role };
}

export class AccountsService {
  private readonly repo: AccountsRepository;

  constructor(private readonly ctx: AppContext) {
    this.repo = new AccountsRepository(ctx.db);
  }

  async signup(input: SignupBody, role: Role = 'customer'): Promise<AuthResponse> {
    // Before the (deliberately slow) hash: a mistyped number costs nothing.
    const phone = input.phone?.trim() ? parsePhone(input.phone, input.phoneCountry) : null;
    const passwordHash = await hashPassword(input.password);
    try {
      const row = await this.repo.insertUser({
        email: input.email.trim().toLowerCase(),
        name: input.name.trim(),
        phone,
        password_hash: passwordHash,
        role,
      });
      return this.session(row);
    } catch (err) {
      if (pgErrorCode(err) === PG.uniqueViolation) throw new EmailTakenError();
      throw err;
    }
  }

  async login(input: LoginBody): Promise<AuthResponse> {
    const row = await this.repo.findByEmail(input.email.trim());
    // Unknown email still costs one hash, so the answer and its timing do not reveal who has an account.
    const ok = await verifyPassword(input.password, row?.password_hash ?? (await dummyHashPromise));
    if (!row || !ok) throw new InvalidCredentialsError();
    return this.session(row);
  }

  async me(userId: string): Promise<User> {
    const row = await this.repo.findById(userId);
    if (!row) throw new NotFoundError('User');
    return toUser(row);
  }

  /** Signs the user out everywhere: every token issued so far stops working (within AUTH_CACHE_TTL_MS). */
  async logoutEverywhere(userId: string): Promise<void> {
    const row = await this.repo.bumpTokenVersion(userId);
    this.ctx.sessions.forget(userId);
    if (!row) throw new NotFoundError('User', 'USER_NOT_FOUND');
  }

  /** Changes name and/or phone; a phone is parsed like at sign-up (400 INVALID_PHONE), "" or null removes it. */
  async updateProfile(userId: string, input: ProfileBody): Promise<User> {
    const changes: { name?: string; phone?: string | null } = {};
    if (input.name !== undefined) changes.name = input.name.trim();
    if (input.phone !== undefined) {
      changes.phone = input.phone?.trim() ? parsePhone(input.phone, input.phoneCountry) : null;
    }
    const row = await this.repo.updateProfile(userId, changes);
    if (!row) throw new NotFoundError('User', 'USER_NOT_FOUND');
    return toUser(row);
  }

  /**
   * A new password, confirmed with the current one. Every session is signed out (a stolen token stops working
   * too); the answer carries a fresh token for this one.
   */
  async changePassword(userId: string, input: PasswordChangeBody): Promise<AuthResponse> {
    const row = await this.repo.findById(userId);
    if (!row) throw new NotFoundError('User', 'USER_NOT_FOUND');
    if (!(await verifyPassword(input.currentPassword, row.password_hash))) throw new WrongPasswordError();
    const updated = await this.repo.setPasswordAndRevoke(
      this.ctx.db,
      userId,
      await hashPassword(input.newPassword),
    );
    this.ctx.sessions.forget(userId);
    if (!updated) throw new NotFoundError('User', 'USER_NOT_FOUND');
    return this.session(updated);
  }

  /**
   * "Forgot password?": for a known email, a reset row (its token's hash only) and the email's outbox row and
   * job commit together; older links of the account stop working. An unknown email changes nothing. Either
   * way the caller gets the same answer, so it tells nobody who has an account.
   */
  async requestPasswordReset(email: string): Promise<{ message: string }> {
    const user = await this.repo.findByEmail(email.trim());
    if (user) {
      const now = this.ctx.clock.now();
      const id = randomUUID();
      await this.ctx.db.transaction().execute(async (trx) => {
        await this.repo.supersedeOpenResets(trx, user.id, now);
        await this.repo.insertReset(trx, {
          id,
          userId: user.id,
          tokenHash: resetTokenHash(resetToken(this.ctx.config, id)),
          createdAt: now,
          expiresAt: new Date(now.getTime() + this.ctx.config.passwordResetTtlMinutes * 60_000),
        });
        await recordPasswordReset(trx, this.ctx, id);
      });
    }
    return { message: PASSWORD_RESET_REQUESTED };
  }

  /**
   * Sets the password from a reset link. The token is used by one conditional UPDATE (so it works once even
   * under concurrent requests), in the transaction that sets the password and signs the account out everywhere.
   */
  async resetPassword(input: PasswordResetBody): Promise<void> {
    const hash = resetTokenHash(input.token);
    // Checked before the (deliberately slow) password hash, so a dead link costs nothing and says why.
    const before = await this.repo.findResetByHash(this.ctx.db, hash);
    if (!before) throw new ResetTokenError('invalid');
    this.assertUsable(before, this.ctx.clock.now());
    const passwordHash = await hashPassword(input.password);
    const userId = await this.ctx.db.transaction().execute(async (trx) => {
      const now = this.ctx.clock.now();
      const used = await this.repo.consumeReset(trx, hash, now);
      if (!used) {
        // Lost a race with another use, or the link ended while the password was hashed.
        const current = await this.repo.findResetByHash(trx, hash);
        if (current) this.assertUsable(current, now);
        throw new ResetTokenError('invalid');
      }
      await this.repo.setPasswordAndRevoke(trx, used.userId, passwordHash);
      return used.userId;
    });
    this.ctx.sessions.forget(userId);
  }

  private assertUsable(
    r: { used_at: Date | null; superseded_at: Date | null; expires_at: Date },
    now: Date,
  ): void {
    if (r.used_at) throw new ResetTokenError('used');
    if (r.superseded_at) throw new ResetTokenError('superseded');
    if (r.expires_at <= now) throw new ResetTokenError('expired');
  }

  /**
   * An admin changes a user's role. The user's tokens are revoked with it, and every request is authorized
   * with the current role anyway, so a demotion takes effect everywhere within AUTH_CACHE_TTL_MS.
   */
  async changeRole(actor: AuditActor, userId: string, role: Role): Promise<User> {
    // No admin can demote themselves by accident and leave nobody to undo it.
    if (actor.userId === userId) throw new OwnRoleError();
    const row = await this.ctx.db.transaction().execute(async (trx) => {
      const repo = new AccountsRepository(trx);
      const before = await repo.findByIdForUpdate(userId);
      if (!before) return undefined;
      const after = await repo.updateRole(userId, role);
      await recordAudit(trx, actor, {
        action: 'user.change_role',
        subjectType: 'user',
        subjectId: userId,
        before: { email: before.email, role: before.role },
        after: { email: before.email, role },
      });
      return after;
    });
    this.ctx.sessions.forget(userId);
    if (!row) throw new NotFoundError('User', 'USER_NOT_FOUND');
    return toUser(row);
  }

  /** Creates the admin from ADMIN_EMAIL/ADMIN_PASSWORD if no account has that email. */
  async ensureAdmin(): Promise<boolean> {
    const { email, password } = this.ctx.config.admin;
    if (await this.repo.findByEmail(email)) return false;
    try {
      await this.repo.insertUser({
        email,
        name: 'Matinee admin',
        phone: null,
        password_hash: await hashPassword(password),
        role: 'admin',
      });
      return true;
    } catch (err) {
      if (pgErrorCode(err) === PG.uniqueViolation) return false; // another process created it first
      throw err;
    }
  }

  private async session(row: UserRow): Promise<AuthResponse> {
    const token = await this.ctx.tokens.issue({
      userId: row.id,
      role: row.role,
      tokenVersion: row.token_version,
    });
    return { token, user: toUser(row) };
  }
}
