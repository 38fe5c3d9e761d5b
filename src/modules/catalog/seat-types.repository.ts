import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { SeatTypesTable } from '../../db/schema.js';

export type SeatTypeRow = Selectable<SeatTypesTable> & { auditoriums_using: number };

/** Queries behind the seat types of the admin API. Services pass a transaction where several must commit together. */
export class SeatTypesRepository {
  constructor(private readonly db: Db) {}

  private withUsage() {
    return this.db
      .selectFrom('seat_types as t')
      .selectAll('t')
      .select(
        sql<number>`(SELECT count(DISTINCT a.id)::int FROM auditoriums a
                       JOIN seats se ON se.auditorium_id = a.id AND se.layout_version = a.layout_version
                      WHERE se.seat_type_id = t.id)`.as('auditoriums_using'),
      );
  }

  async list(theaterId: string): Promise<SeatTypeRow[]> {
    return this.withUsage()
      .where('t.theater_id', '=', theaterId)
      .orderBy(sql`lower(t.name)`)
      .orderBy('t.id')
      .execute();
  }

  async find(theaterId: string, id: string): Promise<SeatTypeRow | undefined> {
    return this.withUsage().where('t.theater_id', '=', theaterId).where('t.id', '=', id).executeTakeFirst();
  }

  /** Locks the type against concurrent edits and deletes (and layouts naming it, whose key check waits). */
  async lock(theaterId: string, id: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('seat_types')
      .select('id')
      .where('theater_id', '=', theaterId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    return row !== undefined;
  }

  async insert(values: Insertable<SeatTypesTable>): Promise<string> {
    const row = await this.db
      .insertInto('seat_types')
      .values(values)
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async update(id: string, patch: Updateable<SeatTypesTable>): Promise<void> {
    await this.db
      .updateTable('seat_types')
      .set({ ...patch, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('seat_types').where('id', '=', id).execute();
  }

  /** Auditoriums whose current layout has seats of the type. */
  async auditoriumsUsing(id: string): Promise<{ id: string; name: string }[]> {
    return this.db
      .selectFrom('auditoriums as a')
      .select(['a.id', 'a.name'])
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('seats as se')
            .select('se.id')
            .whereRef('se.auditorium_id', '=', 'a.id')
            .whereRef('se.layout_version', '=', 'a.layout_version')
            .where('se.seat_type_id', '=', id),
        ),
      )
      .orderBy('a.name')
      .execute();
  }

  /** Showtimes not yet over whose seats include seats of the type. */
  async upcomingShowtimesUsing(id: string): Promise<string[]> {
    const { rows } = await sql<{ id: string }>`
      SELECT st.id FROM showtimes st
       WHERE st.ends_at > now()
         AND EXISTS (SELECT 1 FROM seat_inventory i JOIN seats se ON se.id = i.seat_id
                      WHERE i.showtime_id = st.id AND se.seat_type_id = ${id})`.execute(this.db);
    return rows.map((r) => r.id);
  }

  /**
   * The seat map's layout part (names, colours, prices) is cached per showtimes.updated_at: a changed type
   * moves that stamp on every showtime still to end that sells seats of it.
   */
  async restampShowtimes(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('showtimes')
      .set({ updated_at: sql`now()` })
      .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
      .execute();
  }

  /**
   * The theater's types among `ids` or named (any case) among `names`, locked FOR KEY SHARE so none is deleted
   * before the layout commits.
   */
  async findForLayout(
    theaterId: string,
    ids: string[],
    names: string[],
  ): Promise<{ id: string; name: string; base_tier: 'standard' | 'premium' }[]> {
    if (ids.length === 0 && names.length === 0) return [];
    const lower = names.map((n) => n.toLowerCase());
    return this.db
      .selectFrom('seat_types')
      .select(['id', 'name', 'base_tier'])
      .where('theater_id', '=', theaterId)
      .where((eb) =>
        eb.or([
          eb('id', '=', sql<string>`ANY(${ids}::uuid[])`),
          eb(sql<string>`lower(name)`, '=', sql<string>`ANY(${lower}::text[])`),
        ]),
      )
      .forKeyShare()
      .execute();
  }
}
