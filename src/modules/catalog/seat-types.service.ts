import type { Updateable } from 'kysely';
import type { AppContext } from '../../context.js';
import { PG, pgConstraint, pgErrorCode } from '../../db/database.js';
import type { SeatTypesTable } from '../../db/schema.js';
import { recordAudit, type AuditActor, type AuditEntry } from '../audit/audit.repository.js';
import type { AdminSeatType, SeatTypeCreateBody, SeatTypeUpdateBody } from './admin.schemas.js';
import {
  SeatTypeInUseError,
  SeatTypeNameTakenError,
  SeatTypeNotFoundError,
  TheaterNotFoundError,
  UnknownSeatTypeError,
} from './catalog.errors.js';
import type { PlacedSeat } from './seat-layout.js';
import { SeatTypesRepository, type SeatTypeRow } from './seat-types.repository.js';

function toSeatType(row: SeatTypeRow): AdminSeatType {
  return {
    id: row.id,
    theaterId: row.theater_id,
    name: row.name,
    colour: row.colour,
    baseTier: row.base_tier,
    surchargeCents: row.surcharge_cents,
    auditoriumsUsing: row.auditoriums_using,
  };
}

/** What the audit log keeps of a type: its definition, not how much it is used at that moment. */
function audited(row: SeatTypeRow): Omit<AdminSeatType, 'auditoriumsUsing'> {
  const { auditoriumsUsing: _, ...rest } = toSeatType(row);
  return rest;
}

function isNameTaken(err: unknown): boolean {
  return pgErrorCode(err) === PG.uniqueViolation && pgConstraint(err) === 'seat_types_theater_name_key';
}

/**
 * Gives the seats of a layout their types (by id, or by name as in an exported file) and the types' base tiers,
 * after checking every type is one of the theater's: a
 * typed seat's tier is its type's base tier (the database's composite key insists on it too). Types are locked
 * FOR KEY SHARE, so a concurrent delete waits for the layout and then finds it in use.
 */
export async function assignSeatTypes(
  repo: SeatTypesRepository,
  theaterId: string,
  seats: PlacedSeat[],
): Promise<PlacedSeat[]> {
  const ids = [...new Set(seats.flatMap((s) => (s.seatTypeId ? [s.seatTypeId] : [])))];
  const names = [...new Set(seats.flatMap((s) => (s.seatTypeName ? [s.seatTypeName] : [])))];
  if (ids.length === 0 && names.length === 0) return seats;
  const types = await repo.findForLayout(theaterId, ids, names);
  const byId = new Map(types.map((t) => [t.id, t]));
  const byName = new Map(types.map((t) => [t.name.toLowerCase(), t]));
  const problems: { field: string; message: string }[] = [];
  const unknownNames = new Set<string>();
  const typed = seats.map(({ seatTypeName, ...seat }) => {
    if (!seat.seatTypeId && !seatTypeName) return seat;
    const at = `body.rows.${seat.y}.seats.${seat.x}`;
    const byIdType = seat.seatTypeId ? byId.get(seat.seatTypeId) : undefined;
    const byNameType = seatTypeName ? byName.get(seatTypeName.toLowerCase()) : undefined;
    if (seat.seatTypeId && !byIdType) {
      problems.push({
        field: `${at}.seatTypeId`,
        message: `is not a seat type of this theater (${seat.seatTypeId})`,
      });
      return seat;
    }
    if (seatTypeName && !byNameType) {
      unknownNames.add(seatTypeName);
      problems.push({
        field: `${at}.seatType`,
        message: `names no seat type of this theater (${seatTypeName})`,
      });
      return seat;
    }
    const type = byIdType ?? byNameType;
    if (!type) return seat;
    if (byIdType && byNameType && byIdType.id !== byNameType.id) {
      problems.push({ field: `${at}.seatType`, message: 'and seatTypeId name different seat types' });
      return seat;
    }
    if (seat.tier === 'accessible' || seat.tier === 'companion') {
      problems.push({
        field: `${at}.${byIdType ? 'seatTypeId' : 'seatType'}`,
        message: `cannot be given to a ${seat.tier} seat (types are standard or premium)`,
      });
      return seat;
    }
    return { ...seat, seatTypeId: type.id, tier: type.base_tier };
  });
  if (problems.length > 0) throw new UnknownSeatTypeError(problems, [...unknownNames]);
  return typed;
}

/** Operator-defined seat types of a theater (docs/api.md, seat types). Every change is audited. */
export class SeatTypesService {
  private readonly repo: SeatTypesRepository;

  constructor(private readonly ctx: AppContext) {
    this.repo = new SeatTypesRepository(ctx.db);
  }

  private audited<T>(
    actor: AuditActor,
    work: (repo: SeatTypesRepository, record: (entry: AuditEntry) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    return this.ctx.db
      .transaction()
      .execute((trx) => work(new SeatTypesRepository(trx), (entry) => recordAudit(trx, actor, entry)));
  }

  private async theaterExists(theaterId: string): Promise<void> {
    const row = await this.ctx.db
      .selectFrom('theaters')
      .select('id')
      .where('id', '=', theaterId)
      .executeTakeFirst();
    if (!row) throw new TheaterNotFoundError();
  }

  async list(theaterId: string): Promise<AdminSeatType[]> {
    await this.theaterExists(theaterId);
    return (await this.repo.list(theaterId)).map(toSeatType);
  }

  async create(actor: AuditActor, theaterId: string, input: SeatTypeCreateBody): Promise<AdminSeatType> {
    await this.theaterExists(theaterId);
    try {
      return await this.audited(actor, async (repo, record) => {
        const id = await repo.insert({
          theater_id: theaterId,
          name: input.name.trim(),
          colour: input.colour.toLowerCase(),
          base_tier: input.baseTier,
          surcharge_cents: input.surchargeCents ?? 0,
        });
        const row = await repo.find(theaterId, id);
        if (!row) throw new SeatTypeNotFoundError();
        await record({
          action: 'seat_type.create',
          subjectType: 'seat_type',
          subjectId: id,
          theaterId,
          after: audited(row),
        });
        return toSeatType(row);
      });
    } catch (err) {
      if (isNameTaken(err)) throw new SeatTypeNameTakenError();
      if (pgErrorCode(err) === PG.foreignKeyViolation) throw new TheaterNotFoundError(); // deleted meanwhile
      throw err;
    }
  }

  /**
   * A new name, colour, base tier or surcharge shows on the seat maps of every showtime still to end and prices
   * new holds; tickets already held or sold keep the price they were held at (tickets.price_cents).
   */
  async update(
    actor: AuditActor,
    theaterId: string,
    id: string,
    input: SeatTypeUpdateBody,
  ): Promise<AdminSeatType> {
    const patch: Updateable<SeatTypesTable> = {};
    if (input.name !== undefined) patch.name = input.name.trim();
    if (input.colour !== undefined) patch.colour = input.colour.toLowerCase();
    if (input.baseTier !== undefined) patch.base_tier = input.baseTier;
    if (input.surchargeCents !== undefined) patch.surcharge_cents = input.surchargeCents;
    let touched: string[] = [];
    let result: AdminSeatType;
    try {
      result = await this.audited(actor, async (repo, record) => {
        if (!(await repo.lock(theaterId, id))) throw new SeatTypeNotFoundError();
        const before = await repo.find(theaterId, id);
        if (!before) throw new SeatTypeNotFoundError();
        await repo.update(id, patch);
        const after = await repo.find(theaterId, id);
        if (!after) throw new SeatTypeNotFoundError();
        touched = await repo.upcomingShowtimesUsing(id);
        await repo.restampShowtimes(touched);
        await record({
          action: 'seat_type.update',
          subjectType: 'seat_type',
          subjectId: id,
          theaterId,
          before: audited(before),
          after: audited(after),
        });
        return toSeatType(after);
      });
    } catch (err) {
      if (isNameTaken(err)) throw new SeatTypeNameTakenError();
      throw err;
    }
    for (const showtimeId of touched) this.ctx.seatFeed.touch(showtimeId);
    return result;
  }

  /**
   * Refused while a current layout or a showtime still to end has seats of the type: those seats would lose
   * their price and colour under customers. Seats of past showtimes keep their tier and lose the type.
   */
  async delete(actor: AuditActor, theaterId: string, id: string): Promise<void> {
    await this.audited(actor, async (repo, record) => {
      if (!(await repo.lock(theaterId, id))) throw new SeatTypeNotFoundError();
      const before = await repo.find(theaterId, id);
      if (!before) throw new SeatTypeNotFoundError();
      const auditoriums = await repo.auditoriumsUsing(id);
      const upcoming = await repo.upcomingShowtimesUsing(id);
      if (auditoriums.length > 0 || upcoming.length > 0) {
        throw new SeatTypeInUseError(auditoriums, upcoming.length);
      }
      await repo.delete(id);
      await record({
        action: 'seat_type.delete',
        subjectType: 'seat_type',
        subjectId: id,
        theaterId,
        before: audited(before),
      });
    });
  }
}
