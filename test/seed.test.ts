import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, DEMO_MOVIES, seedDemoData, type SeedReport } from '../src/db/seed.js';
import { CatalogAdminService } from '../src/modules/catalog/admin.service.js';
import { CLEANING_MINUTES } from '../src/modules/catalog/showtime-rules.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser } from './helpers/users.js';

const NYC = { lat: 40.7128, lng: -74.006 };
const TZ = 'America/New_York';

function distanceKm(lat: number, lng: number): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const a =
    Math.sin(rad(lat - NYC.lat) / 2) ** 2 +
    Math.cos(rad(NYC.lat)) * Math.cos(rad(lat)) * Math.sin(rad(lng - NYC.lng) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(a));
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const hourMinute = new Intl.DateTimeFormat('en-GB', {
  timeZone: TZ,
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

const isoDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** Minutes past local midnight, and the local date, of an instant in New York. */
function local(instant: Date): { date: string; minutes: number } {
  const [h, m] = hourMinute.format(instant).split(':').map(Number) as [number, number];
  return { date: isoDate.format(instant), minutes: h * 60 + m };
}

// 09:00 in New York on a Thursday; the seven days include the switch to daylight saving time (Sunday 10 March).
const START = new Date('2030-03-07T14:00:00Z');

describe('demo seed', () => {
  let t: TestApp;
  const clock = { current: START, now: () => new Date(clock.current) };
  let first: SeedReport[];

  beforeAll(async () => {
    t = await createTestApp({ overrides: { clock } });
    // Two processes starting at once: the advisory lock makes them take turns, the second finds it done.
    first = await Promise.all([seedDemoData(t.ctx, () => undefined), seedDemoData(t.ctx, () => undefined)]);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const count = async (
    table: 'theaters' | 'auditoriums' | 'seats' | 'movies' | 'showtimes' | 'seat_inventory',
  ) =>
    Number(
      (
        await t.ctx.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('creates the city once even when two runs race', async () => {
    const [a, b] = first as [SeedReport, SeedReport];
    const sum = (k: keyof SeedReport) => a[k] + b[k];
    expect(sum('theaters')).toBe(await count('theaters'));
    expect(sum('auditoriums')).toBe(await count('auditoriums'));
    expect(sum('seats')).toBe(await count('seats'));
    expect(sum('movies')).toBe(await count('movies'));
    expect(sum('showtimes')).toBe(await count('showtimes'));
    expect(sum('inventory')).toBe(await count('seat_inventory'));
  });

  it('has at least 6 theaters within 20 km of New York, each with 2-4 auditoriums', async () => {
    const theaters = await t.ctx.db
      .selectFrom('theaters')
      .leftJoin('auditoriums', 'auditoriums.theater_id', 'theaters.id')
      .select(['theaters.name', 'theaters.latitude', 'theaters.longitude', 'theaters.time_zone'])
      .select((eb) => eb.fn.count<number>('auditoriums.id').as('auditoriums'))
      .groupBy('theaters.id')
      .execute();
    expect(theaters.length).toBeGreaterThanOrEqual(6);
    for (const th of theaters) {
      expect(distanceKm(th.latitude, th.longitude), th.name).toBeLessThanOrEqual(20);
      expect(th.time_zone).toBe(TZ);
      expect(th.auditoriums).toBeGreaterThanOrEqual(2);
      expect(th.auditoriums).toBeLessThanOrEqual(4);
    }
  });

  it('gives every demo theater a booking fee and New York sales tax, and every showtime ticket types', async () => {
    const theaters = await t.ctx.db
      .selectFrom('theaters')
      .select(['booking_fee_cents', 'tax_rate_ppm'])
      .execute();
    for (const th of theaters) {
      expect(th.booking_fee_cents).toBeGreaterThanOrEqual(100);
      expect(th.booking_fee_cents).toBeLessThanOrEqual(300);
      expect(th.tax_rate_ppm).toBe(88_750);
    }
    const types = await sql<{ showtimes: number; child: number; senior: number; student: number }>`
      SELECT count(*)::int AS showtimes, count(child_discount_cents)::int AS child,
             count(senior_discount_cents)::int AS senior, count(student_discount_cents)::int AS student
        FROM showtimes`.execute(t.ctx.db);
    const row = types.rows[0]!;
    expect(row.child).toBe(row.showtimes);
    expect(row.senior).toBe(row.showtimes);
    // Students: matinees only.
    expect(row.student).toBeGreaterThan(0);
    expect(row.student).toBeLessThan(row.showtimes);
  });

  it('lays out auditoriums of 80-300 seats with aisles, a premium block and accessible ends', async () => {
    const seats = await t.ctx.db
      .selectFrom('seats')
      .select(['auditorium_id', 'row_label', 'number', 'x', 'y', 'tier'])
      .orderBy('auditorium_id')
      .orderBy('y')
      .orderBy('x')
      .execute();
    const byAuditorium = groupBy(seats, (s) => s.auditorium_id);
    expect(byAuditorium.size).toBe(await count('auditoriums'));
    for (const list of byAuditorium.values()) {
      expect(list.length).toBeGreaterThanOrEqual(80);
      expect(list.length).toBeLessThanOrEqual(300);
      const lastY = Math.max(...list.map((s) => s.y));
      const accessible = list.filter((s) => s.tier === 'accessible');
      expect(accessible.length).toBeGreaterThanOrEqual(2);
      // wheelchair spaces sit in the front or the back row, at its ends
      const accessibleRows = new Set(accessible.map((s) => s.y));
      expect(accessibleRows.size).toBe(1);
      const accessibleY = [...accessibleRows][0]!;
      expect([0, lastY]).toContain(accessibleY);
      const row = list.filter((s) => s.y === accessibleY);
      expect(row[0]!.tier).toBe('accessible');
      expect(row.at(-1)!.tier).toBe('accessible');
      // each group of wheelchair spaces has a companion seat right beside it
      const companions = row.filter((s) => s.tier === 'companion');
      expect(companions.length).toBe(2);
      for (const c of companions) {
        expect(row.some((s) => s.tier === 'accessible' && Math.abs(s.x - c.x) === 1)).toBe(true);
      }

      const premium = list.filter((s) => s.tier === 'premium');
      expect(premium.length).toBeGreaterThan(0);
      const premiumYs = premium.map((s) => s.y);
      expect(Math.min(...premiumYs)).toBeGreaterThan(0);
      expect(Math.max(...premiumYs)).toBeLessThan(lastY);

      for (const rowSeats of groupBy(list, (s) => s.y).values()) {
        // one label per row, A for the row nearest the screen; numbered 1.. left to right
        expect(new Set(rowSeats.map((s) => s.row_label)).size).toBe(1);
        expect(rowSeats[0]!.row_label).toBe(String.fromCharCode(65 + rowSeats[0]!.y));
        expect(rowSeats.map((s) => s.number)).toEqual(rowSeats.map((_, i) => i + 1));
      }
      // aisles are gaps in x (the first rows of big halls may have the centre block only)
      const rowsWithAisles = [...groupBy(list, (s) => s.y).values()].filter((rowSeats) =>
        rowSeats.slice(1).some((s, i) => s.x - rowSeats[i]!.x > 1),
      );
      expect(rowsWithAisles.length).toBeGreaterThanOrEqual(lastY - 1);
    }
  });

  it('has the demo movies with posters, synopses, runtimes and ratings', async () => {
    const movies = await t.ctx.db.selectFrom('movies').selectAll().execute();
    expect(movies.length).toBeGreaterThanOrEqual(8);
    for (const demo of DEMO_MOVIES) {
      const m = movies.find((row) => row.title === demo.title);
      expect(m, demo.title).toBeDefined();
      expect(m!.poster_url).toBe(`/posters/${demo.title.toLowerCase().replaceAll(' ', '-')}.svg`);
      expect(
        m!.synopsis.split(/[.!?](\s|$)/).filter((s) => s.trim().length > 1).length,
      ).toBeGreaterThanOrEqual(2);
      expect(m!.runtime_minutes).toBeGreaterThanOrEqual(85);
      expect(m!.runtime_minutes).toBeLessThanOrEqual(165);
      expect(['G', 'PG', 'PG-13', 'R']).toContain(m!.rating);
    }
  });

  it('schedules 4-6 showings a day per auditorium for 7 days, in local opening hours, with sane prices', async () => {
    const shows = await t.ctx.db
      .selectFrom('showtimes')
      .innerJoin('movies', 'movies.id', 'showtimes.movie_id')
      .select([
        'showtimes.auditorium_id',
        'showtimes.movie_id',
        'showtimes.starts_at',
        'showtimes.ends_at',
        'showtimes.currency',
        'showtimes.price_standard_cents',
        'showtimes.price_premium_cents',
        'showtimes.price_accessible_cents',
        'movies.runtime_minutes',
      ])
      .orderBy('showtimes.starts_at')
      .execute();
    const today = local(START).date;
    const days = Array.from({ length: 7 }, (_, i) => addDays(today, i));
    const auditoriums = await count('auditoriums');
    for (const day of days) {
      const ofDay = shows.filter((s) => local(s.starts_at).date === day);
      const perAuditorium = groupBy(ofDay, (s) => s.auditorium_id);
      expect(perAuditorium.size, day).toBe(auditoriums);
      for (const list of perAuditorium.values()) {
        expect(list.length).toBeGreaterThanOrEqual(4);
        expect(list.length).toBeLessThanOrEqual(6);
        expect(new Set(list.map((s) => s.movie_id)).size).toBe(list.length);
      }
    }
    expect(shows.every((s) => days.includes(local(s.starts_at).date))).toBe(true);
    for (const s of shows) {
      const { minutes } = local(s.starts_at);
      expect(minutes).toBeGreaterThanOrEqual(11 * 60);
      expect(minutes).toBeLessThanOrEqual(23 * 60 + 30);
      expect(s.starts_at.getTime()).toBeGreaterThan(START.getTime());
      expect(s.ends_at.getTime() - s.starts_at.getTime()).toBe(
        (s.runtime_minutes + CLEANING_MINUTES) * 60_000,
      );
      expect(s.currency).toBe('USD');
      expect(s.price_standard_cents).toBeGreaterThanOrEqual(1450);
      expect(s.price_standard_cents).toBeLessThanOrEqual(1900);
      expect(s.price_premium_cents).toBe(s.price_standard_cents + 400);
      expect(s.price_accessible_cents).toBe(s.price_standard_cents);
    }
    // the DST switch on Sunday 10 March does not shift the local schedule: first shows still start 11:00-11:30
    const sunday = shows.filter((s) => local(s.starts_at).date === '2030-03-10');
    expect(Math.min(...sunday.map((s) => local(s.starts_at).minutes))).toBeLessThanOrEqual(11 * 60 + 30);
  });

  it('gives every showtime one available inventory row per seat', async () => {
    const mismatched = await sql<{ id: string }>`
      SELECT st.id FROM showtimes st
      WHERE (SELECT count(*) FROM seat_inventory i WHERE i.showtime_id = st.id)
         <> (SELECT count(*) FROM seats s WHERE s.auditorium_id = st.auditorium_id)`.execute(t.ctx.db);
    expect(mismatched.rows).toEqual([]);
    const notAvailable = await t.ctx.db
      .selectFrom('seat_inventory')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '<>', 'available')
      .executeTakeFirstOrThrow();
    expect(Number(notAvailable.n)).toBe(0);
  });

  it('adds nothing when run again the same day', async () => {
    const before = await count('seat_inventory');
    const lines: string[] = [];
    const again = await seedDemoData(t.ctx, (l) => lines.push(l));
    expect(again).toMatchObject({
      theaters: 0,
      auditoriums: 0,
      seats: 0,
      movies: 0,
      showtimes: 0,
      inventory: 0,
    });
    expect(await count('seat_inventory')).toBe(before);
    expect(lines.at(-1)).toMatch(/nothing to add/);
  });

  it('tops up only the new day when run on a later day, with the current layout version', async () => {
    // An operator redrew one auditorium meanwhile (version 2, one blocked seat): new showtimes get that.
    const audi = await t.ctx.db
      .selectFrom('auditoriums')
      .select('id')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const seat = (number: number) => ({ number, tier: 'standard' as const });
    const admin = await createUser(t.app, t.ctx, 'admin');
    await new CatalogAdminService(t.ctx).saveLayout({ userId: admin.id }, audi.id, {
      baseVersion: 1,
      rows: [{ label: 'A', seats: [seat(1), seat(2), { ...seat(3), blocked: 'broken' as const }] }],
    });
    const showsBefore = await count('showtimes');
    clock.current = new Date(START.getTime() + 24 * 3600_000 + 6 * 3600_000); // Friday 15:00 local
    const lines: string[] = [];
    const later = await seedDemoData(t.ctx, (l) => lines.push(l));
    const newDay = addDays(local(START).date, 7);
    expect(later).toMatchObject({ theaters: 0, auditoriums: 0, movies: 0 });
    expect(later.showtimes).toBeGreaterThan(0);
    expect(await count('showtimes')).toBe(showsBefore + later.showtimes);
    const added = await t.ctx.db
      .selectFrom('showtimes')
      .select('starts_at')
      .where('starts_at', '>=', new Date(`${newDay}T04:00:00Z`))
      .execute();
    expect(added.length).toBe(later.showtimes);
    expect(added.every((s) => local(s.starts_at).date === newDay)).toBe(true);
    expect(lines.some((l) => l.includes(`showtimes for ${newDay}`))).toBe(true);
    const redrawn = await sql<{ seats: number }>`
      SELECT count(i.seat_id)::int AS seats FROM showtimes st JOIN seat_inventory i ON i.showtime_id = st.id
       WHERE st.auditorium_id = ${audi.id} AND st.starts_at >= ${new Date(`${newDay}T04:00:00Z`)}
       GROUP BY st.id`.execute(t.ctx.db);
    expect(redrawn.rows.length).toBeGreaterThan(0);
    expect(redrawn.rows.every((r) => r.seats === 2)).toBe(true);
  });
});
