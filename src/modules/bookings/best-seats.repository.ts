import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { seatPriceSql } from '../catalog/catalog.service.js';
import type { SeatForChoice, Tier } from './best-seats.js';
import { seatIsFree } from './seat-rules.js';

export interface RoomRead {
  started: boolean;
  seats: SeatForChoice[];
}

/** Queries only: what best available chooses from. */
export class BestSeatsRepository {
  /**
   * Every seat of a showtime with its place, tier, price and whether it is free now (seatIsFree, against the
   * database's now()), in one statement. Undefined: no such showtime. A fresh read, never the seat feed's
   * cache: a choice made on a stale map would lose its race and cost a retry.
   */
  async readRoom(db: Db, showtimeId: string): Promise<RoomRead | undefined> {
    const { rows } = await sql<{
      started: boolean;
      id: string | null;
      row_label: string | null;
      x: number | null;
      y: number | null;
      tier: Tier | null;
      price_cents: number | null;
      free: boolean | null;
    }>`
      SELECT st.starts_at <= now() AS started, s.id, s.row_label, s.x, s.y, s.tier,
             ${seatPriceSql('st', 's.tier', 'ty')} AS price_cents, ${seatIsFree('i')} AS free
        FROM showtimes st
        LEFT JOIN seat_inventory i ON i.showtime_id = st.id
        LEFT JOIN seats s ON s.id = i.seat_id
        LEFT JOIN seat_types ty ON ty.id = s.seat_type_id
       WHERE st.id = ${showtimeId}`.execute(db);
    const first = rows[0];
    if (!first) return undefined;
    const seats: SeatForChoice[] = [];
    for (const r of rows) {
      if (r.id === null || r.x === null || r.y === null || r.tier === null) continue;
      seats.push({
        id: r.id,
        row: r.row_label ?? '',
        x: r.x,
        y: r.y,
        tier: r.tier,
        priceCents: r.price_cents ?? 0,
        free: r.free === true,
      });
    }
    return { started: first.started, seats };
  }
}
