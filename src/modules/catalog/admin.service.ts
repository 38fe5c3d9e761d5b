import type { Updateable } from 'kysely';
import type { AppContext } from '../../context.js';
import { PG, pgConstraint, pgErrorCode } from '../../db/database.js';
import type {
  AuditoriumsTable,
  MovieRow,
  MoviesTable,
  ShowtimesTable,
  TheaterRow,
  TheatersTable,
} from '../../db/schema.js';
import { ValidationError } from '../../http/errors.js';
import { recordAudit, type AuditActor, type AuditEntry } from '../audit/audit.repository.js';
import {
  AdminRepository,
  type AdminShowtimeRow,
  type AuditoriumRow,
  type AuditoriumTheaterRow,
  type OverlapRow,
} from './admin.repository.js';
import type {
  AdminShowtime,
  AdminShowtimeListQuery,
  AdminTheater,
  AuditoriumCreateBody,
  AuditoriumDetail,
  AuditoriumSummary,
  BulkItemReport,
  LayoutUpdateBody,
  MovieCreateBody,
  MovieListQuery,
  MovieListResponse,
  MovieUpdateBody,
  PagingQuery,
  ScheduleQuery,
  ScheduleResponse,
  ShowtimeBulkBody,
  ShowtimeBulkDryRunResponse,
  ShowtimeCreateBody,
  ShowtimeUpdateBody,
  TheaterCreateBody,
  TheaterUpdateBody,
} from './admin.schemas.js';
import { MAX_SCHEDULE_RANGE_DAYS } from './admin.schemas.js';
import {
  AuditoriumHasShowtimesError,
  AuditoriumNameTakenError,
  AuditoriumNotFoundError,
  LayoutVersionConflictError,
  MovieHasShowtimesError,
  MovieNotFoundError,
  PresentationLanguageNotAllowedError,
  PresentationLanguageRequiredError,
  UnknownLanguageError,
  ShowtimeHasBookingsError,
  ShowtimeHasSalesError,
  ShowtimeNotFoundError,
  ShowtimeBulkConflictError,
  ShowtimeOverlapError,
  TheaterClosedError,
  type OverlapConflict,
  TheaterHasShowtimesError,
  TheaterNotFoundError,
} from './catalog.errors.js';
import type { Movie } from './catalog.schemas.js';
import { ticketTypeOffers, tierPrices, toFormat, toMovie, toTheater } from './catalog.service.js';
import { layoutRows, placeSeats } from './seat-layout.js';
import { assignSeatTypes } from './seat-types.service.js';
import { CLEANING_MINUTES, showtimeEndsAt, slotsOverlap } from './showtime-rules.js';

export const DEFAULT_TIME_ZONE = 'America/New_York';
/** Schedules further ahead than this are almost certainly typos (2062 instead of 2026). */
export const MAX_SCHEDULE_AHEAD_DAYS = 730;
const DEFAULT_PAGE = 50;

function invalid(field: string, message: string): ValidationError {
  return new ValidationError(`Invalid request: ${field} ${message}`, { fields: [{ field, message }] });
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** A language code the runtime's ICU names (ISO 639): "en" yes, "xx" no. */
export function checkLanguage(code: string, field: string): string {
  let known: string | undefined;
  try {
    known = languageNames.of(code);
  } catch {
    known = undefined;
  }
  if (!known) throw new UnknownLanguageError(field, code);
  return code;
}

/** Subtitled and dubbed showtimes name their language; original ones do not. */
function checkPresentation(presentation: string, language: string | null, prefix = 'body'): void {
  const field = `${prefix}.presentationLanguage`;
  if (presentation === 'original' && language !== null) throw new PresentationLanguageNotAllowedError(field);
  if (presentation !== 'original' && language === null) throw new PresentationLanguageRequiredError(field);
  if (language !== null) checkLanguage(language, field);
}

/** A showtime about to be scheduled: checked, its slot computed with its theater's cleaning time. */
interface PlannedShowtime {
  index: number;
  input: ShowtimeCreateBody;
  startsAt: Date;
  endsAt: Date;
  place: AuditoriumTheaterRow;
  movie: MovieRow;
}

interface PlanLookups {
  places: Map<string, AuditoriumTheaterRow>;
  movies: Map<string, MovieRow>;
}

function toConflict(row: OverlapRow): OverlapConflict {
  return {
    showtimeId: row.id,
    movie: { id: row.movie_id, title: row.title },
    auditorium: { id: row.auditorium_id, name: row.auditorium_name },
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    cleaningMinutes: row.cleaning_minutes,
    timeZone: row.time_zone,
  };
}

function plannedConflict(p: PlannedShowtime): OverlapConflict {
  return {
    showtimeId: null,
    itemIndex: p.index,
    movie: { id: p.movie.id, title: p.movie.title },
    auditorium: { id: p.place.auditorium_id, name: p.place.auditorium_name },
    startsAt: p.startsAt.toISOString(),
    endsAt: p.endsAt.toISOString(),
    cleaningMinutes: p.place.cleaning_minutes,
    timeZone: p.place.time_zone,
  };
}

function cleanList(items: string[]): string[] {
  return items.map((item) => item.trim());
}

/** The canonical IANA name of a zone, or undefined when the runtime does not know it. */
export function canonicalTimeZone(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function toAdminTheater(row: TheaterRow & { auditorium_count: number }): AdminTheater {
  return {
    ...toTheater(row),
    auditoriumCount: row.auditorium_count,
    currency: row.currency,
    bookingFeeCents: row.booking_fee_cents,
    taxRatePpm: row.tax_rate_ppm,
    cleaningMinutes: row.cleaning_minutes,
    closedAt: row.closed_at ? row.closed_at.toISOString() : null,
  };
}

function toAuditoriumSummary(row: AuditoriumRow): AuditoriumSummary {
  return {
    id: row.id,
    theaterId: row.theater_id,
    name: row.name,
    screenPosition: row.screen_position,
    seatCount: row.seat_count,
    layoutVersion: row.layout_version,
  };
}

function toAdminShowtime(row: AdminShowtimeRow): AdminShowtime {
  return {
    id: row.id,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    cleaningMinutes: row.cleaning_minutes,
    currency: row.currency,
    prices: tierPrices(row),
    ticketTypes: ticketTypeOffers(row),
    movie: { id: row.movie_id, title: row.title, runtimeMinutes: row.runtime_minutes },
    auditorium: { id: row.auditorium_id, name: row.auditorium_name },
    theater: { id: row.theater_id, name: row.theater_name, timeZone: row.time_zone },
    seats: {
      total: row.seats_total,
      available: row.seats_available,
      held: row.seats_held,
      sold: row.seats_sold,
    },
    ...toFormat(row),
  };
}

/** Operators fill the catalog: theaters, auditorium layouts, movies and showtimes with their seat inventory. */
export class CatalogAdminService {
  private readonly repo: AdminRepository;

  constructor(private readonly ctx: AppContext) {
    this.repo = new AdminRepository(ctx.db);
  }

  /** Runs a change and its audit log entries in one transaction: both commit or neither does. */
  private audited<T>(
    actor: AuditActor,
    work: (repo: AdminRepository, record: (entry: AuditEntry) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    return this.ctx.db
      .transaction()
      .execute((trx) => work(new AdminRepository(trx), (entry) => recordAudit(trx, actor, entry)));
  }

  // ---- theaters ----
  async createTheater(actor: AuditActor, input: TheaterCreateBody): Promise<AdminTheater> {
    const timeZone = await this.checkTimeZone(input.timeZone ?? DEFAULT_TIME_ZONE);
    return this.audited(actor, async (repo, record) => {
      const row = await repo.insertTheater({
        name: input.name.trim(),
        address: input.address.trim(),
        city: input.city.trim(),
        latitude: input.lat,
        longitude: input.lng,
        time_zone: timeZone,
        currency: input.currency ?? 'USD',
        booking_fee_cents: input.bookingFeeCents ?? 0,
        tax_rate_ppm: input.taxRatePpm ?? 0,
        cleaning_minutes: input.cleaningMinutes ?? CLEANING_MINUTES,
      });
      const theater = toAdminTheater({ ...row, auditorium_count: 0 });
      await record({
        action: 'theater.create',
        subjectType: 'theater',
        subjectId: row.id,
        theaterId: row.id,
        after: theater,
      });
      return theater;
    });
  }

  async listTheaters(query: PagingQuery): Promise<AdminTheater[]> {
    const rows = await this.repo.listTheaters(query.limit ?? DEFAULT_PAGE, query.offset ?? 0);
    return rows.map(toAdminTheater);
  }

  async getTheater(id: string): Promise<AdminTheater> {
    const row = await this.repo.findTheater(id);
    if (!row) throw new TheaterNotFoundError();
    return toAdminTheater(row);
  }

  async updateTheater(actor: AuditActor, id: string, input: TheaterUpdateBody): Promise<AdminTheater> {
    const patch: Updateable<TheatersTable> = {};
    if (input.name !== undefined) patch.name = input.name.trim();
    if (input.address !== undefined) patch.address = input.address.trim();
    if (input.city !== undefined) patch.city = input.city.trim();
    if (input.lat !== undefined) patch.latitude = input.lat;
    if (input.lng !== undefined) patch.longitude = input.lng;
    if (input.timeZone !== undefined) patch.time_zone = await this.checkTimeZone(input.timeZone);
    if (input.bookingFeeCents !== undefined) patch.booking_fee_cents = input.bookingFeeCents;
    if (input.taxRatePpm !== undefined) patch.tax_rate_ppm = input.taxRatePpm;
    if (input.currency !== undefined) patch.currency = input.currency;
    if (input.cleaningMinutes !== undefined) patch.cleaning_minutes = input.cleaningMinutes;
    return this.audited(actor, async (repo, record) => {
      const before = await repo.findTheater(id);
      if (!before || !(await repo.updateTheater(id, patch, input.closed))) throw new TheaterNotFoundError();
      const after = await repo.findTheater(id);
      if (!after) throw new TheaterNotFoundError();
      const closed =
        input.closed === undefined || input.closed === (before.closed_at !== null) ? undefined : input.closed;
      await record({
        action: closed === true ? 'theater.close' : closed === false ? 'theater.reopen' : 'theater.update',
        subjectType: 'theater',
        subjectId: id,
        theaterId: id,
        before: toAdminTheater(before),
        after: toAdminTheater(after),
      });
      return toAdminTheater(after);
    });
  }

  async deleteTheater(actor: AuditActor, id: string): Promise<void> {
    try {
      await this.audited(actor, async (repo, record) => {
        const before = await repo.findTheater(id);
        if (!before || !(await repo.deleteTheater(id))) throw new TheaterNotFoundError();
        await record({
          action: 'theater.delete',
          subjectType: 'theater',
          subjectId: id,
          theaterId: id,
          before: toAdminTheater(before),
        });
      });
    } catch (err) {
      // Auditoriums cascade with the theater; their showtimes (ON DELETE RESTRICT) stop it.
      if (pgErrorCode(err) === PG.foreignKeyViolation) throw new TheaterHasShowtimesError();
      throw err;
    }
  }

  /** Both the runtime (Intl) and PostgreSQL must know the zone: day bounds are computed in SQL. */
  private async checkTimeZone(zone: string): Promise<string> {
    const canonical = canonicalTimeZone(zone);
    if (!canonical || !(await this.repo.isKnownTimeZone(canonical))) {
      throw invalid('body.timeZone', `${JSON.stringify(zone)} is not a known IANA time zone`);
    }
    return canonical;
  }

  // ---- auditoriums ----
  async createAuditorium(
    actor: AuditActor,
    theaterId: string,
    input: AuditoriumCreateBody,
  ): Promise<AuditoriumDetail> {
    const placed = placeSeats(input.rows);
    let id: string;
    try {
      id = await this.audited(actor, async (repo, record) => {
        if (!(await repo.findTheater(theaterId))) throw new TheaterNotFoundError();
        const seats = await assignSeatTypes(repo.seatTypes(), theaterId, placed);
        const auditoriumId = await repo.insertAuditorium({
          theater_id: theaterId,
          name: input.name.trim(),
          screen_position: input.screenPosition ?? 'top',
        });
        await repo.insertSeats(auditoriumId, seats);
        await record({
          action: 'auditorium.create',
          subjectType: 'auditorium',
          subjectId: auditoriumId,
          theaterId,
          after: {
            name: input.name.trim(),
            screenPosition: input.screenPosition ?? 'top',
            layoutVersion: 1,
            seatCount: seats.length,
          },
        });
        return auditoriumId;
      });
    } catch (err) {
      if (
        pgErrorCode(err) === PG.uniqueViolation &&
        pgConstraint(err) === 'auditoriums_theater_id_name_key'
      ) {
        throw new AuditoriumNameTakenError();
      }
      if (pgErrorCode(err) === PG.foreignKeyViolation) throw new TheaterNotFoundError(); // deleted meanwhile
      throw err;
    }
    return this.getAuditorium(id);
  }

  async listAuditoriums(theaterId: string): Promise<AuditoriumSummary[]> {
    if (!(await this.repo.findTheater(theaterId))) throw new TheaterNotFoundError();
    const rows = await this.repo.listAuditoriums(theaterId);
    return rows.map(toAuditoriumSummary);
  }

  async getAuditorium(id: string): Promise<AuditoriumDetail> {
    const row = await this.repo.findAuditorium(id);
    if (!row) throw new AuditoriumNotFoundError();
    const [seats, upcoming] = await Promise.all([
      this.repo.listSeats(id, row.layout_version),
      this.repo.countUpcomingShowtimes(id, row.layout_version),
    ]);
    return {
      ...toAuditoriumSummary(row),
      upcomingShowtimes: {
        onCurrentLayout: upcoming.on_current,
        onOlderLayouts: upcoming.on_older,
        withSales: upcoming.with_sales,
      },
      rows: layoutRows(seats),
    };
  }

  /**
   * Saves a new version of the layout. Showtimes keep the seats they were created with (their inventory points
   * at them), so sold tickets never move: the new version applies to showtimes created from now on. Versions no
   * showtime uses are deleted. `baseVersion` guards against two operators overwriting each other.
   */
  async saveLayout(actor: AuditActor, id: string, input: LayoutUpdateBody): Promise<AuditoriumDetail> {
    const placed = placeSeats(input.rows);
    try {
      await this.audited(actor, async (repo, record) => {
        const current = await repo.lockAuditorium(id);
        if (!current) throw new AuditoriumNotFoundError();
        const seats = await assignSeatTypes(repo.seatTypes(), current.theater_id, placed);
        if (current.layout_version !== input.baseVersion) {
          throw new LayoutVersionConflictError(current.layout_version);
        }
        const before = await repo.findAuditorium(id);
        const next = current.layout_version + 1;
        const patch: Updateable<AuditoriumsTable> = { layout_version: next };
        if (input.name !== undefined) patch.name = input.name.trim();
        if (input.screenPosition !== undefined) patch.screen_position = input.screenPosition;
        await repo.insertSeats(id, seats, next);
        await repo.updateAuditorium(id, patch);
        await repo.deleteUnusedLayoutVersions(id, next);
        // The seats themselves are in the versioned layout (GET the auditorium); the log says which version.
        const after = await repo.findAuditorium(id);
        if (!before || !after) throw new AuditoriumNotFoundError();
        await record({
          action: 'auditorium.save_layout',
          subjectType: 'auditorium',
          subjectId: id,
          theaterId: current.theater_id,
          before: toAuditoriumSummary(before),
          after: toAuditoriumSummary(after),
        });
      });
    } catch (err) {
      if (
        pgErrorCode(err) === PG.uniqueViolation &&
        pgConstraint(err) === 'auditoriums_theater_id_name_key'
      ) {
        throw new AuditoriumNameTakenError();
      }
      throw err;
    }
    return this.getAuditorium(id);
  }

  async deleteAuditorium(actor: AuditActor, id: string): Promise<void> {
    try {
      await this.audited(actor, async (repo, record) => {
        const before = await repo.findAuditorium(id);
        if (!before || !(await repo.deleteAuditorium(id))) throw new AuditoriumNotFoundError();
        await record({
          action: 'auditorium.delete',
          subjectType: 'auditorium',
          subjectId: id,
          theaterId: before.theater_id,
          before: toAuditoriumSummary(before),
        });
      });
    } catch (err) {
      if (pgErrorCode(err) === PG.foreignKeyViolation) throw new AuditoriumHasShowtimesError();
      throw err;
    }
  }

  // ---- movies ----
  async createMovie(actor: AuditActor, input: MovieCreateBody): Promise<Movie> {
    return this.audited(actor, async (repo, record) => {
      const row = await repo.insertMovie({
        title: input.title.trim(),
        synopsis: input.synopsis?.trim() ?? '',
        runtime_minutes: input.runtimeMinutes,
        rating: input.rating?.trim() ?? 'NR',
        poster_url: input.posterUrl ?? null,
        genres: cleanList(input.genres ?? []),
        language: checkLanguage(input.language ?? 'en', 'body.language'),
        cast_members: cleanList(input.cast ?? []),
        trailer_url: input.trailerUrl ?? null,
      });
      const movie = toMovie(row);
      await record({ action: 'movie.create', subjectType: 'movie', subjectId: row.id, after: movie });
      return movie;
    });
  }

  async listMovies(query: MovieListQuery): Promise<MovieListResponse> {
    const limit = query.limit ?? DEFAULT_PAGE;
    const offset = query.offset ?? 0;
    const { rows, total } = await this.repo.listMovies(query.q?.trim(), limit, offset);
    return { movies: rows.map(toMovie), total, limit, offset };
  }

  async getMovie(id: string): Promise<Movie> {
    const row = await this.repo.findMovie(id);
    if (!row) throw new MovieNotFoundError();
    return toMovie(row);
  }

  /** A new runtime applies to showtimes created afterwards; existing ones keep the slot they were given. */
  async updateMovie(actor: AuditActor, id: string, input: MovieUpdateBody): Promise<Movie> {
    const patch: Updateable<MoviesTable> = {};
    if (input.title !== undefined) patch.title = input.title.trim();
    if (input.synopsis !== undefined) patch.synopsis = input.synopsis.trim();
    if (input.runtimeMinutes !== undefined) patch.runtime_minutes = input.runtimeMinutes;
    if (input.rating !== undefined) patch.rating = input.rating.trim();
    if (input.posterUrl !== undefined) patch.poster_url = input.posterUrl;
    if (input.genres !== undefined) patch.genres = cleanList(input.genres);
    if (input.language !== undefined) patch.language = checkLanguage(input.language, 'body.language');
    if (input.cast !== undefined) patch.cast_members = cleanList(input.cast);
    if (input.trailerUrl !== undefined) patch.trailer_url = input.trailerUrl;
    return this.audited(actor, async (repo, record) => {
      const before = await repo.findMovie(id);
      const row = before && (await repo.updateMovie(id, patch));
      if (!before || !row) throw new MovieNotFoundError();
      const movie = toMovie(row);
      await record({
        action: 'movie.update',
        subjectType: 'movie',
        subjectId: id,
        before: toMovie(before),
        after: movie,
      });
      return movie;
    });
  }

  async deleteMovie(actor: AuditActor, id: string): Promise<void> {
    try {
      await this.audited(actor, async (repo, record) => {
        const before = await repo.findMovie(id);
        if (!before || !(await repo.deleteMovie(id))) throw new MovieNotFoundError();
        await record({
          action: 'movie.delete',
          subjectType: 'movie',
          subjectId: id,
          before: toMovie(before),
        });
      });
    } catch (err) {
      if (pgErrorCode(err) === PG.foreignKeyViolation) throw new MovieHasShowtimesError();
      throw err;
    }
  }

  // ---- showtimes ----
  async createShowtime(actor: AuditActor, input: ShowtimeCreateBody): Promise<AdminShowtime> {
    const startsAt = this.checkShowtimeInput(input, 'body');
    let planned: PlannedShowtime | undefined;
    let id: string;
    try {
      id = await this.audited(actor, async (repo, record) => {
        planned = await this.planShowtime(repo, input, 0, startsAt);
        // Checked first to name the conflict; the exclusion constraint still decides under concurrency.
        const conflicts = await repo.findOverlaps(planned.place.auditorium_id, startsAt, planned.endsAt);
        if (conflicts[0]) throw new ShowtimeOverlapError(toConflict(conflicts[0]));
        return this.insertPlanned(repo, record, planned);
      });
    } catch (err) {
      if (pgErrorCode(err) === PG.exclusionViolation && planned) {
        const [conflict] = await this.repo.findOverlaps(input.auditoriumId, startsAt, planned.endsAt);
        throw new ShowtimeOverlapError(conflict ? toConflict(conflict) : null);
      }
      throw err;
    }
    this.ctx.seatFeed.touch(id); // new seat inventory: every seat write is followed by a touch
    return this.getShowtime(id);
  }

  /**
   * Schedules a batch (a week of the same time, several auditoriums) all-or-nothing. Every item is checked against
   * the existing showtimes and the other items; `dryRun` reports each item's conflicts and creates nothing.
   */
  async bulkCreateShowtimes(
    actor: AuditActor,
    input: ShowtimeBulkBody,
  ): Promise<ShowtimeBulkDryRunResponse | AdminShowtime[]> {
    const starts = input.showtimes.map((item, i) => this.checkShowtimeInput(item, `body.showtimes.${i}`));
    const report = async (repo: AdminRepository) => {
      const planned: PlannedShowtime[] = [];
      const seen: PlanLookups = { places: new Map(), movies: new Map() };
      for (const [i, item] of input.showtimes.entries()) {
        planned.push(await this.planShowtime(repo, item, i, starts[i]!, seen));
      }
      const items: (BulkItemReport & { planned: PlannedShowtime })[] = [];
      for (const p of planned) {
        const existing = await repo.findOverlaps(p.place.auditorium_id, p.startsAt, p.endsAt);
        const siblings = planned.filter(
          (o) => o !== p && o.place.auditorium_id === p.place.auditorium_id && slotsOverlap(o, p),
        );
        items.push({
          index: p.index,
          auditoriumId: p.place.auditorium_id,
          movieId: p.movie.id,
          startsAt: p.startsAt.toISOString(),
          endsAt: p.endsAt.toISOString(),
          conflicts: [...existing.map(toConflict), ...siblings.map(plannedConflict)],
          planned: p,
        });
      }
      return items;
    };
    const conflictsOf = (items: (BulkItemReport & { planned: PlannedShowtime })[]) =>
      items.filter((i) => i.conflicts.length > 0).map((i) => ({ index: i.index, conflicts: i.conflicts }));

    if (input.dryRun) {
      const items = await report(this.repo);
      return {
        dryRun: true,
        ok: items.every((i) => i.conflicts.length === 0),
        items: items.map(({ planned: _planned, ...item }) => item),
      };
    }
    let ids: string[];
    try {
      ids = await this.audited(actor, async (repo, record) => {
        const items = await report(repo);
        const conflicts = conflictsOf(items);
        if (conflicts.length > 0) throw new ShowtimeBulkConflictError(conflicts);
        const created: string[] = [];
        for (const item of items) created.push(await this.insertPlanned(repo, record, item.planned));
        return created;
      });
    } catch (err) {
      if (pgErrorCode(err) === PG.exclusionViolation) {
        // Another operator scheduled into one of the slots meanwhile: name it as the dry run would.
        const conflicts = conflictsOf(await report(this.repo));
        throw conflicts.length > 0
          ? new ShowtimeBulkConflictError(conflicts)
          : new ShowtimeOverlapError(null);
      }
      throw err;
    }
    for (const id of ids) this.ctx.seatFeed.touch(id);
    const rows = await Promise.all(ids.map((id) => this.getShowtime(id)));
    return rows;
  }

  /** A theater's auditoriums and the showtimes that occupy them between from and to: the console's week. */
  async getSchedule(theaterId: string, query: ScheduleQuery): Promise<ScheduleResponse> {
    const from = this.parseInstant(query.from, 'querystring.from');
    const to = this.parseInstant(query.to, 'querystring.to');
    if (from >= to) throw invalid('querystring.to', 'must be after from');
    if (to.getTime() - from.getTime() > MAX_SCHEDULE_RANGE_DAYS * 86_400_000) {
      throw invalid('querystring.to', `must be at most ${MAX_SCHEDULE_RANGE_DAYS} days after from`);
    }
    const theater = await this.repo.findTheater(theaterId);
    if (!theater) throw new TheaterNotFoundError();
    const [auditoriums, showtimes] = await Promise.all([
      this.repo.listAuditoriums(theaterId),
      this.repo.listTheaterSchedule(theaterId, from, to),
    ]);
    return {
      theater: {
        id: theater.id,
        name: theater.name,
        timeZone: theater.time_zone,
        cleaningMinutes: theater.cleaning_minutes,
        currency: theater.currency,
        closedAt: theater.closed_at ? theater.closed_at.toISOString() : null,
      },
      auditoriums: auditoriums.map(toAuditoriumSummary),
      showtimes: showtimes.map(toAdminShowtime),
    };
  }

  /** The checks that need no database: a start in the allowed window, a consistent presentation. */
  private checkShowtimeInput(input: ShowtimeCreateBody, prefix: string): Date {
    const startsAt = this.checkStart(input.startsAt, `${prefix}.startsAt`);
    checkPresentation(input.presentation ?? 'original', input.presentationLanguage ?? null, prefix);
    return startsAt;
  }

  /**
   * Locks what the showtime will reference and computes its slot with the theater's cleaning time. `seen` keeps
   * what a batch already locked and read, so a week in three auditoriums costs three lookups, not twenty-one.
   */
  private async planShowtime(
    repo: AdminRepository,
    input: ShowtimeCreateBody,
    index: number,
    startsAt: Date,
    seen: PlanLookups = { places: new Map(), movies: new Map() },
  ): Promise<PlannedShowtime> {
    let place = seen.places.get(input.auditoriumId);
    let movie = seen.movies.get(input.movieId);
    if (!place && !(await repo.lockReferenced('auditoriums', input.auditoriumId))) {
      throw new AuditoriumNotFoundError();
    }
    if (!movie && !(await repo.lockReferenced('movies', input.movieId))) throw new MovieNotFoundError();
    place ??= await repo.auditoriumTheater(input.auditoriumId);
    if (!place) throw new AuditoriumNotFoundError();
    seen.places.set(input.auditoriumId, place);
    if (place.closed_at !== null) throw new TheaterClosedError();
    movie ??= await repo.findMovie(input.movieId);
    if (!movie) throw new MovieNotFoundError();
    seen.movies.set(input.movieId, movie);
    const endsAt = showtimeEndsAt(startsAt, movie.runtime_minutes, place.cleaning_minutes);
    return { index, input, startsAt, endsAt, place, movie };
  }

  private async insertPlanned(
    repo: AdminRepository,
    record: (entry: AuditEntry) => Promise<void>,
    p: PlannedShowtime,
  ): Promise<string> {
    const { input } = p;
    const showtimeId = await repo.insertShowtime({
      auditorium_id: p.place.auditorium_id,
      movie_id: p.movie.id,
      starts_at: p.startsAt,
      ends_at: p.endsAt,
      cleaning_minutes: p.place.cleaning_minutes,
      currency: input.currency ?? p.place.currency,
      price_standard_cents: input.prices.standard,
      price_premium_cents: input.prices.premium ?? null,
      price_accessible_cents: input.prices.accessible ?? null,
      child_discount_cents: input.ticketTypes?.child ?? null,
      senior_discount_cents: input.ticketTypes?.senior ?? null,
      student_discount_cents: input.ticketTypes?.student ?? null,
      format: input.format ?? '2D',
      presentation: input.presentation ?? 'original',
      presentation_language: input.presentationLanguage ?? null,
    });
    await repo.createInventory(showtimeId, p.place.auditorium_id);
    const created = await repo.findAdminShowtime(showtimeId);
    if (!created) throw new ShowtimeNotFoundError();
    await record({
      action: 'showtime.create',
      subjectType: 'showtime',
      subjectId: showtimeId,
      theaterId: created.theater_id,
      after: toAdminShowtime(created),
    });
    return showtimeId;
  }

  async listShowtimes(query: AdminShowtimeListQuery): Promise<AdminShowtime[]> {
    const from = query.from === undefined ? undefined : this.parseInstant(query.from, 'querystring.from');
    const to = query.to === undefined ? undefined : this.parseInstant(query.to, 'querystring.to');
    if (from && to && from >= to) throw invalid('querystring.to', 'must be after from');
    const rows = await this.repo.listAdminShowtimes({
      theaterId: query.theaterId,
      auditoriumId: query.auditoriumId,
      movieId: query.movieId,
      from,
      to,
      limit: query.limit ?? DEFAULT_PAGE,
      offset: query.offset ?? 0,
    });
    return rows.map(toAdminShowtime);
  }

  async getShowtime(id: string): Promise<AdminShowtime> {
    const row = await this.repo.findAdminShowtime(id);
    if (!row) throw new ShowtimeNotFoundError();
    return toAdminShowtime(row);
  }

  /**
   * Prices can change at any time (bookings keep the price they were made at). The start can move only while
   * nobody holds or bought a seat, and never into the past or onto another showtime.
   */
  async updateShowtime(actor: AuditActor, id: string, input: ShowtimeUpdateBody): Promise<AdminShowtime> {
    const newStart =
      input.startsAt === undefined ? undefined : this.checkStart(input.startsAt, 'body.startsAt');
    let moved: { auditoriumId: string; startsAt: Date; endsAt: Date } | undefined;
    const overlapOf = async (repo: AdminRepository, m: NonNullable<typeof moved>) => {
      const [conflict] = await repo.findOverlaps(m.auditoriumId, m.startsAt, m.endsAt, id);
      return conflict ? toConflict(conflict) : null;
    };
    try {
      await this.audited(actor, async (repo, record) => {
        const current = await repo.lockShowtime(id);
        if (!current) throw new ShowtimeNotFoundError();
        const before = await repo.findAdminShowtime(id);
        const patch: Updateable<ShowtimesTable> = {};
        if (newStart && newStart.getTime() !== current.starts_at.getTime()) {
          if (current.starts_at <= this.ctx.clock.now()) {
            throw invalid('body.startsAt', 'cannot change: the showtime has already started');
          }
          if (await repo.hasActiveBookings(id)) {
            throw new ShowtimeHasBookingsError('Seats of this showtime are held or sold; it cannot move');
          }
          // A moved showtime gets its theater's cleaning time as it is now, like a new one.
          const place = await repo.auditoriumTheater(current.auditorium_id);
          const cleaning = place?.cleaning_minutes ?? current.cleaning_minutes;
          const endsAt = showtimeEndsAt(newStart, current.runtime_minutes, cleaning);
          moved = { auditoriumId: current.auditorium_id, startsAt: newStart, endsAt };
          const conflict = await overlapOf(repo, moved);
          if (conflict) throw new ShowtimeOverlapError(conflict);
          patch.starts_at = newStart;
          patch.ends_at = endsAt;
          patch.cleaning_minutes = cleaning;
        }
        const prices = input.prices;
        if (prices?.standard !== undefined) patch.price_standard_cents = prices.standard;
        if (prices?.premium !== undefined) patch.price_premium_cents = prices.premium;
        if (prices?.accessible !== undefined) patch.price_accessible_cents = prices.accessible;
        const types = input.ticketTypes;
        if (types?.child !== undefined) patch.child_discount_cents = types.child;
        if (types?.senior !== undefined) patch.senior_discount_cents = types.senior;
        if (types?.student !== undefined) patch.student_discount_cents = types.student;
        if (input.format !== undefined) patch.format = input.format;
        if (input.presentation !== undefined || input.presentationLanguage !== undefined) {
          // Switching to original clears the language unless one is sent (which is then an error).
          const presentation = input.presentation ?? current.presentation;
          const language =
            input.presentationLanguage !== undefined
              ? input.presentationLanguage
              : presentation === 'original'
                ? null
                : current.presentation_language;
          checkPresentation(presentation, language);
          patch.presentation = presentation;
          patch.presentation_language = language;
        }
        if (Object.keys(patch).length === 0) return;
        await repo.updateShowtime(id, patch);
        const after = await repo.findAdminShowtime(id);
        if (!before || !after) throw new ShowtimeNotFoundError();
        await record({
          action: 'showtime.update',
          subjectType: 'showtime',
          subjectId: id,
          theaterId: after.theater_id,
          before: toAdminShowtime(before),
          after: toAdminShowtime(after),
        });
      });
      this.ctx.seatFeed.touch(id); // time and prices are part of the seat map
    } catch (err) {
      if (pgErrorCode(err) === PG.exclusionViolation && moved) {
        throw new ShowtimeOverlapError(await overlapOf(this.repo, moved));
      }
      throw err;
    }
    return this.getShowtime(id);
  }

  async deleteShowtime(actor: AuditActor, id: string): Promise<void> {
    try {
      await this.audited(actor, async (repo, record) => {
        if (!(await repo.lockShowtime(id))) throw new ShowtimeNotFoundError();
        if (await repo.hasSoldSeats(id)) throw new ShowtimeHasSalesError();
        const before = await repo.findAdminShowtime(id);
        await repo.deleteShowtime(id);
        if (before) {
          await record({
            action: 'showtime.delete',
            subjectType: 'showtime',
            subjectId: id,
            theaterId: before.theater_id,
            before: toAdminShowtime(before),
          });
        }
      });
      this.ctx.seatFeed.touch(id); // its inventory went with it: cached seat maps must go too
    } catch (err) {
      // bookings.showtime_id is ON DELETE RESTRICT: even expired or cancelled bookings keep their history.
      if (pgErrorCode(err) === PG.foreignKeyViolation) throw new ShowtimeHasBookingsError();
      throw err;
    }
  }

  private parseInstant(value: string, field: string): Date {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw invalid(field, 'is not a valid date-time');
    return date;
  }

  private checkStart(value: string, field: string): Date {
    const startsAt = this.parseInstant(value, field);
    const now = this.ctx.clock.now();
    if (startsAt <= now) throw invalid(field, 'must be in the future');
    if (startsAt.getTime() - now.getTime() > MAX_SCHEDULE_AHEAD_DAYS * 86_400_000) {
      throw invalid(field, `must be within ${MAX_SCHEDULE_AHEAD_DAYS} days from now`);
    }
    return startsAt;
  }
}
