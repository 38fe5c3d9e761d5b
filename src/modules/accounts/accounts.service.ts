import type { AppContext } from '../../context.js';
import { PG, pgErrorCode } from '../../db/database.js';
import type { Role, UserRow } from '../../db/schema.js';
import { NotFoundError } from '../../http/errors.js';
import { EmailTakenError, InvalidCredentialsError, OwnRoleError } from './accounts.errors.js';
import { AccountsRepository } from './accounts.repository.js';
import type { AuthResponse, LoginBody, SignupBody, User } from './accounts.schemas.js';
import { parsePhone } from './phone.js';
import { dummyHashPromise, hashPassword, verifyPassword } from './password.js';

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

  /**
   * An admin changes a user's role. The user's tokens are revoked with it, and every request is authorized
   * with the current role anyway, so a demotion takes effect everywhere within AUTH_CACHE_TTL_MS.
   */
  async changeRole(actingUserId: string, userId: string, role: Role): Promise<User> {
    // No admin can demote themselves by accident and leave nobody to undo it.
    if (actingUserId === userId) throw new OwnRoleError();
    const row = await this.repo.updateRole(userId, role);
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
