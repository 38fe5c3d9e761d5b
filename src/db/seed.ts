import { sql, type Insertable, type Transaction } from 'kysely';
import type { AppContext } from '../context.js';
import { showtimeEndsAt } from '../modules/catalog/showtime-rules.js';
import type { Database, SeatTier, ShowtimeFormat } from './schema.js';

/** What one run added (a second run on the same day reports zeros everywhere). */
export interface SeedReport {
  theaters: number;
  auditoriums: number;
  seats: number;
  movies: number;
  showtimes: number;
  inventory: number;
  ms: number;
}

// ---------------------------------------------------------------------------------------------------------
// The demo city: fictional cinemas at real-looking addresses around lower Manhattan (40.7128, -74.0060).
// ---------------------------------------------------------------------------------------------------------

type LayoutName = 'grand' | 'large' | 'standard' | 'boutique' | 'studio';

interface DemoTheater {
  name: string;
  address: string;
  city: string;
  latitude: number;
  longitude: number;
  timeZone: string;
  /** standard-seat price of an afternoon show, in cents */
  basePriceCents: number;
  auditoriums: readonly { name: string; layout: LayoutName }[];
}

const NY = 'America/New_York';

export const DEMO_THEATERS: readonly DemoTheater[] = [
  {
    name: 'Mercer Street Picture House',
    address: '151 Mercer St, New York, NY 10012',
    city: 'New York',
    latitude: 40.7254,
    longitude: -73.9983,
    timeZone: NY,
    basePriceCents: 1750,
    auditoriums: [
      { name: 'The Grand', layout: 'grand' },
      { name: 'Screen 2', layout: 'standard' },
      { name: 'Screen 3', layout: 'boutique' },
      { name: 'Studio', layout: 'studio' },
    ],
  },
  {
    name: 'Bowery Bijou',
    address: '283 Bowery, New York, NY 10003',
    city: 'New York',
    latitude: 40.7241,
    longitude: -73.9925,
    timeZone: NY,
    basePriceCents: 1650,
    auditoriums: [
      { name: 'Screen 1', layout: 'standard' },
      { name: 'Screen 2', layout: 'studio' },
    ],
  },
  {
    name: 'Chelsea Lantern Cinemas',
    address: '260 W 23rd St, New York, NY 10011',
    city: 'New York',
    latitude: 40.7448,
    longitude: -73.9976,
    timeZone: NY,
    basePriceCents: 1750,
    auditoriums: [
      { name: 'Screen 1', layout: 'large' },
      { name: 'Screen 2', layout: 'large' },
      { name: 'Screen 3', layout: 'standard' },
      { name: 'Screen 4', layout: 'boutique' },
    ],
  },
  {
    name: 'Riverside Broadway Cinemas',
    address: '2310 Broadway, New York, NY 10024',
    city: 'New York',
    latitude: 40.7866,
    longitude: -73.9781,
    timeZone: NY,
    basePriceCents: 1700,
    auditoriums: [
      { name: 'Screen 1', layout: 'grand' },
      { name: 'Screen 2', layout: 'standard' },
      { name: 'Screen 3', layout: 'studio' },
    ],
  },
  {
    name: 'Fulton Ferry Screens',
    address: '45 Water St, Brooklyn, NY 11201',
    city: 'Brooklyn',
    latitude: 40.7035,
    longitude: -73.9913,
    timeZone: NY,
    basePriceCents: 1650,
    auditoriums: [
      { name: 'Screen 1', layout: 'large' },
      { name: 'Screen 2', layout: 'boutique' },
      { name: 'Screen 3', layout: 'studio' },
    ],
  },
  {
    name: 'Park Slope Marquee',
    address: '214 Seventh Ave, Brooklyn, NY 11215',
    city: 'Brooklyn',
    latitude: 40.672,
    longitude: -73.9775,
    timeZone: NY,
    basePriceCents: 1550,
    auditoriums: [
      { name: 'Screen 1', layout: 'standard' },
      { name: 'Screen 2', layout: 'boutique' },
    ],
  },
  {
    name: 'Steinway Kinema',
    address: '35-20 Steinway St, Astoria, NY 11101',
    city: 'Astoria',
    latitude: 40.7553,
    longitude: -73.9215,
    timeZone: NY,
    basePriceCents: 1550,
    auditoriums: [
      { name: 'Screen 1', layout: 'large' },
      { name: 'Screen 2', layout: 'standard' },
      { name: 'Screen 3', layout: 'studio' },
    ],
  },
  {
    name: 'Newport Riverfront Cinemas',
    address: '30 River Dr S, Jersey City, NJ 07310',
    city: 'Jersey City',
    latitude: 40.7262,
    longitude: -74.0333,
    timeZone: NY,
    basePriceCents: 1550,
    auditoriums: [
      { name: 'Screen 1', layout: 'grand' },
      { name: 'Screen 2', layout: 'large' },
      { name: 'Screen 3', layout: 'standard' },
    ],
  },
];

interface DemoMovie {
  title: string;
  synopsis: string;
  runtimeMinutes: number;
  rating: 'G' | 'PG' | 'PG-13' | 'R';
  posterUrl: string;
  genres: string[];
  /** ISO 639 code of the original soundtrack */
  language: string;
  cast: string[];
  trailerUrl: string;
}

export const DEMO_MOVIES: readonly DemoMovie[] = [
  {
    title: 'The Last Projectionist',
    synopsis:
      'When a single-screen movie palace on the Lower East Side is sold to developers, its 70-year-old projectionist refuses to leave the booth. Over one long final weekend he threads his favourite reels and, one screening at a time, persuades the neighbourhood to fight for the place.',
    runtimeMinutes: 128,
    rating: 'PG-13',
    posterUrl: '/posters/the-last-projectionist.svg',
    genres: ['Drama'],
    language: 'en',
    cast: ['Walter Brandt', 'Rosa Delgado', 'Eli Hartman', 'June Okafor'],
    trailerUrl: 'https://trailers.example.com/the-last-projectionist',
  },
  {
    title: 'Midnight on Mercer Street',
    synopsis:
      'A SoHo gallery assistant finds a painting in the storeroom that shows a murder that has not happened yet. With a sceptical night-shift detective she has until midnight to work out whose.',
    runtimeMinutes: 112,
    rating: 'R',
    posterUrl: '/posters/midnight-on-mercer-street.svg',
    genres: ['Thriller', 'Mystery'],
    language: 'en',
    cast: ['Nadia Petrova', 'Marcus Reed', 'Ilse Varga'],
    trailerUrl: 'https://trailers.example.com/midnight-on-mercer-street',
  },
  {
    title: 'Orbit of Small Things',
    synopsis:
      'Eleven-year-old Noor builds a satellite out of a lunchbox for the school science fair, and it actually reaches orbit. Now everything it photographs starts to shrink, and only Noor and her grandfather can bring it home.',
    runtimeMinutes: 97,
    rating: 'PG',
    posterUrl: '/posters/orbit-of-small-things.svg',
    genres: ['Science Fiction', 'Family'],
    language: 'en',
    cast: ['Theo Lindqvist', 'Amara Chen', 'Sol Ibarra'],
    trailerUrl: 'https://trailers.example.com/orbit-of-small-things',
  },
  {
    title: 'Harbor Lights',
    synopsis:
      'A ferry captain and a lighthouse restorer keep crossing paths on Staten Island, and keep getting it wrong. Over four seasons on the water they learn that the hardest thing to navigate is a second chance.',
    runtimeMinutes: 118,
    rating: 'PG-13',
    posterUrl: '/posters/harbor-lights.svg',
    genres: ['Romance', 'Drama'],
    language: 'en',
    cast: ['Claire Whitford', 'Diego Santos', 'Hannah Moss'],
    trailerUrl: 'https://trailers.example.com/harbor-lights',
  },
  {
    title: 'The Paper Kingdom',
    synopsis:
      'In a city folded entirely from paper, a young origami knight must cross the Ink Sea before the rains arrive. An animated adventure about courage, creases and the friends who help you unfold.',
    runtimeMinutes: 89,
    rating: 'G',
    posterUrl: '/posters/the-paper-kingdom.svg',
    genres: ['Animation', 'Family', 'Adventure'],
    language: 'en',
    cast: ['Penny Alvarez', 'Omar Haddad', 'Grace Liu'],
    trailerUrl: 'https://trailers.example.com/the-paper-kingdom',
  },
  {
    title: 'Saltwater Sonata',
    synopsis:
      "A gifted cellist loses her hearing in one ear weeks before the audition of her life. She retreats to her family's Maine fishing town, where an old boatbuilder teaches her to listen to music in a completely new way.",
    runtimeMinutes: 134,
    rating: 'PG-13',
    posterUrl: '/posters/saltwater-sonata.svg',
    genres: ['Drama', 'Music'],
    language: 'en',
    cast: ['Isabel Moreau', 'Kofi Mensah', 'Ruth Abernathy'],
    trailerUrl: 'https://trailers.example.com/saltwater-sonata',
  },
  {
    title: 'Queens of the Night Shift',
    synopsis:
      'Four nurses on the overnight shift at a Queens hospital accidentally win a food truck in a raffle. Running it between 7 a.m. handovers turns out to be the most chaotic, and best, decision of their lives.',
    runtimeMinutes: 104,
    rating: 'R',
    posterUrl: '/posters/queens-of-the-night-shift.svg',
    genres: ['Comedy', 'Crime'],
    language: 'en',
    cast: ['Tasha Grant', 'Lucia Romero', 'Bea Kowalski', 'Dev Patel-Shah'],
    trailerUrl: 'https://trailers.example.com/queens-of-the-night-shift',
  },
  {
    title: 'Echoes of Tomorrow',
    synopsis:
      'A radio astronomer receives a message from her own future, warning of a choice that will end the world. Across three timelines and two continents she races to decide whether the warning is the very thing that causes it.',
    runtimeMinutes: 162,
    rating: 'PG-13',
    posterUrl: '/posters/echoes-of-tomorrow.svg',
    genres: ['Science Fiction', 'Thriller'],
    language: 'en',
    cast: ['Jonah Pike', 'Sofia Lind', 'Ren Takahashi'],
    trailerUrl: 'https://trailers.example.com/echoes-of-tomorrow',
  },
  {
    title: 'Lantern Festival',
    synopsis:
      "Three generations of the Lin family reunite in Flushing to prepare the neighbourhood's lantern festival. Old grudges, a missing recipe and a very determined grandmother make it a night none of them will forget.",
    runtimeMinutes: 121,
    rating: 'PG',
    posterUrl: '/posters/lantern-festival.svg',
    genres: ['Drama', 'Family'],
    language: 'zh',
    cast: ['Li Wen', 'Zhou Mei', 'Chen Bo'],
    trailerUrl: 'https://trailers.example.com/lantern-festival',
  },
  {
    title: 'The Brooklyn Job',
    synopsis:
      "A retired safecracker is pulled back for one last job: emptying a Williamsburg vault during the loudest block party of the summer. The plan is perfect, the crew is not, and the vault's owner is his ex-wife.",
    runtimeMinutes: 116,
    rating: 'R',
    posterUrl: '/posters/the-brooklyn-job.svg',
    genres: ['Crime', 'Comedy'],
    language: 'en',
    cast: ['Frank Russo', 'Maria Russo', 'Leon Kim', 'Tilly Brooks'],
    trailerUrl: 'https://trailers.example.com/the-brooklyn-job',
  },
];

// ---------------------------------------------------------------------------------------------------------
// Seat layouts. y = row index (row A nearest the screen, which is at the top), x = column including aisles.
// ---------------------------------------------------------------------------------------------------------

interface LayoutSpec {
  rows: number;
  /** seats per row in the left, centre and right blocks */
  blocks: readonly [number, number, number];
  /** empty columns between blocks */
  aisle: number;
  /** the first rows have only the centre block (the sides would look at the screen edge-on) */
  centreOnlyFrontRows: number;
  /** inclusive row indexes of the premium block (centre block of the middle rows) */
  premiumRows: readonly [number, number];
  /** wheelchair spaces at both outer ends of this row */
  accessibleRow: 'front' | 'back';
  accessiblePerEnd: number;
}

const LAYOUTS: Record<LayoutName, LayoutSpec> = {
  // 2 x 14 + 11 x 22 = 270 seats
  grand: {
    rows: 13,
    blocks: [4, 14, 4],
    aisle: 2,
    centreOnlyFrontRows: 2,
    premiumRows: [5, 8],
    accessibleRow: 'back',
    accessiblePerEnd: 2,
  },
  // 12 + 10 x 20 = 212 seats
  large: {
    rows: 11,
    blocks: [4, 12, 4],
    aisle: 2,
    centreOnlyFrontRows: 1,
    premiumRows: [4, 7],
    accessibleRow: 'back',
    accessiblePerEnd: 2,
  },
  // 10 x 16 = 160 seats
  standard: {
    rows: 10,
    blocks: [3, 10, 3],
    aisle: 1,
    centreOnlyFrontRows: 0,
    premiumRows: [4, 6],
    accessibleRow: 'front',
    accessiblePerEnd: 2,
  },
  // 9 x 14 = 126 seats
  boutique: {
    rows: 9,
    blocks: [2, 10, 2],
    aisle: 1,
    centreOnlyFrontRows: 0,
    premiumRows: [3, 5],
    accessibleRow: 'back',
    accessiblePerEnd: 1,
  },
  // 8 x 12 = 96 seats
  studio: {
    rows: 8,
    blocks: [2, 8, 2],
    aisle: 1,
    centreOnlyFrontRows: 0,
    premiumRows: [3, 5],
    accessibleRow: 'front',
    accessiblePerEnd: 1,
  },
};

export interface LayoutSeat {
  row_label: string;
  number: number;
  x: number;
  y: number;
  tier: SeatTier;
}

/** Expands a layout spec into seats: numbered 1.. left to right in each row, aisles leave gaps in x. */
export function layoutSeats(spec: LayoutSpec): LayoutSeat[] {
  const [left, centre, right] = spec.blocks;
  const centreStart = left > 0 ? left + spec.aisle : 0;
  const rightStart = centreStart + centre + spec.aisle;
  const accessibleY = spec.accessibleRow === 'front' ? 0 : spec.rows - 1;
  const seats: LayoutSeat[] = [];
  for (let y = 0; y < spec.rows; y++) {
    const rowLabel = String.fromCharCode(65 + y);
    const centreOnly = y < spec.centreOnlyFrontRows;
    const columns: { x: number; block: 'side' | 'centre' }[] = [];
    if (!centreOnly) for (let i = 0; i < left; i++) columns.push({ x: i, block: 'side' });
    for (let i = 0; i < centre; i++) columns.push({ x: centreStart + i, block: 'centre' });
    if (!centreOnly) for (let i = 0; i < right; i++) columns.push({ x: rightStart + i, block: 'side' });

    const n = spec.accessiblePerEnd;
    columns.forEach(({ x, block }, i) => {
      const atEnd = i < n || i >= columns.length - n;
      // The seat just inside each group of wheelchair spaces is its companion seat, if nothing separates them.
      const beside = (j: number) => columns[j] !== undefined && Math.abs(columns[j].x - x) === 1;
      const companion =
        n > 0 && ((i === n && beside(n - 1)) || (i === columns.length - 1 - n && beside(i + 1)));
      let tier: SeatTier = 'standard';
      if (y === accessibleY && atEnd) tier = 'accessible';
      else if (y === accessibleY && companion) tier = 'companion';
      else if (block === 'centre' && y >= spec.premiumRows[0] && y <= spec.premiumRows[1]) tier = 'premium';
      seats.push({ row_label: rowLabel, number: i + 1, x, y, tier });
    });
  }
  return seats;
}

// ---------------------------------------------------------------------------------------------------------
// Calendar helpers: showtimes are planned in the theater's local time and stored in UTC.
// ---------------------------------------------------------------------------------------------------------

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(instant: Date, timeZone: string): { date: string; minutes: number; offsetMs: number } {
  let fmt = partsFormatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(timeZone, fmt);
  }
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(instant)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const [y, mo, d, h, mi, s] = [p.year, p.month, p.day, p.hour, p.minute, p.second].map((v) => v ?? 0) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  return {
    date: `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
    minutes: h * 60 + mi,
    offsetMs: asUtc - (instant.getTime() - instant.getUTCMilliseconds()),
  };
}

/** The local calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): string {
  return wallClock(instant, timeZone).date;
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The instant at which the clocks in `timeZone` show `date` and `minutes` past midnight. */
export function zonedTime(date: string, minutes: number, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const naive = Date.UTC(y, m - 1, d, 0, minutes);
  let guess = naive - wallClock(new Date(naive), timeZone).offsetMs;
  // Around a DST change the offset at the guess can differ from the offset at the naive instant.
  guess = naive - wallClock(new Date(guess), timeZone).offsetMs;
  return new Date(guess);
}

/** Small deterministic PRNG, so a day's schedule is the same whichever run computes it. */
function rngFor(key: string): () => number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST_SHOW_MINUTES = 11 * 60;
const LAST_START_MINUTES = 23 * 60 + 30;
const MAX_SHOWS_PER_DAY = 6;

interface PlannedShow {
  movieIndex: number;
  localMinutes: number;
}

/** A day in one auditorium: 4-6 different movies from about 11:00, back to back with a short gap. */
export function planAuditoriumDay(key: string, runtimes: readonly number[]): PlannedShow[] {
  const rand = rngFor(key);
  const order = runtimes.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const shows: PlannedShow[] = [];
  let start = FIRST_SHOW_MINUTES + 5 * Math.floor(rand() * 7); // 11:00-11:30
  for (const movieIndex of order) {
    if (shows.length >= MAX_SHOWS_PER_DAY || start > LAST_START_MINUTES) break;
    shows.push({ movieIndex, localMinutes: start });
    const occupied = showtimeEndsAt(new Date(0), runtimes[movieIndex]!).getTime() / 60_000;
    // next start on a 5-minute mark, 0-20 minutes after the auditorium is free again
    start = Math.ceil((start + occupied) / 5) * 5 + 5 * Math.floor(rand() * 5);
  }
  return shows;
}

/**
 * How a demo show is presented: the big rooms are IMAX ("grand") or Dolby ("large", at every other theater),
 * science fiction plays in 3D in the evening elsewhere, the Mandarin film is subtitled in English, and the
 * animated film is dubbed into Spanish at its morning shows.
 */
export function presentationFor(
  layout: LayoutName,
  theaterIndex: number,
  movie: DemoMovie,
  localMinutes: number,
): Pick<NewShowtime, 'format' | 'presentation' | 'presentation_language'> {
  let format: ShowtimeFormat = '2D';
  if (layout === 'grand') format = 'IMAX';
  else if (layout === 'large' && theaterIndex % 2 === 0) format = 'DOLBY';
  else if (movie.genres.includes('Science Fiction') && localMinutes >= 17 * 60) format = '3D';
  if (movie.language !== 'en') return { format, presentation: 'subtitled', presentation_language: 'en' };
  if (movie.genres.includes('Animation') && localMinutes < 14 * 60) {
    return { format, presentation: 'dubbed', presentation_language: 'es' };
  }
  return { format, presentation: 'original', presentation_language: null };
}

/** New York City's combined sales tax, 8.875%, in parts per million. */
export const DEMO_TAX_RATE_PPM = 88_750;

/** Each demo theater's booking fee per ticket, in cents (DEMO_THEATERS order; the last repeats). */
const DEMO_BOOKING_FEES = [189, 150, 199, 225, 150, 175, 150, 165];
export function demoBookingFee(theaterIndex: number): number {
  return DEMO_BOOKING_FEES[Math.min(theaterIndex, DEMO_BOOKING_FEES.length - 1)]!;
}

/**
 * Ticket types of a demo showtime: child $3 and senior $2.50 off every tier; students $2 off for shows
 * starting before 17:00 (a matinee offer), not offered in the evening.
 */
export function demoTicketTypes(localMinutes: number) {
  return {
    child_discount_cents: 300,
    senior_discount_cents: 250,
    student_discount_cents: localMinutes < 17 * 60 ? 200 : null,
  };
}

/** Afternoon base; a little cheaper before 14:00, dearer from 17:00. Premium +$4, accessible = standard. */
function pricesFor(basePriceCents: number, localMinutes: number) {
  const standard =
    localMinutes < 14 * 60
      ? basePriceCents - 100
      : localMinutes >= 17 * 60
        ? basePriceCents + 150
        : basePriceCents;
  return { standard, premium: standard + 400, accessible: standard };
}

// ---------------------------------------------------------------------------------------------------------
// The seed itself.
// ---------------------------------------------------------------------------------------------------------

export const SEED_DAYS = 7;
const INSERT_CHUNK = 2000;

type Trx = Transaction<Database>;
type NewShowtime = Insertable<Database['showtimes']>;

function chunks<T>(items: readonly T[], size = INSERT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Every seeding transaction takes this lock first and re-reads what exists, so two processes starting at
 * once (api + worker, or two replicas) take turns and the second finds nothing left to add.
 */
async function lockSeed(trx: Trx): Promise<void> {
  await sql`SET LOCAL lock_timeout = '120s'`.execute(trx);
  await sql`SET LOCAL statement_timeout = '120s'`.execute(trx);
  await sql`SELECT pg_advisory_xact_lock(hashtext('matinee:seed-demo-data'))`.execute(trx);
}

interface CatalogIds {
  /** per demo theater (same order as DEMO_THEATERS): its auditorium ids by auditorium name */
  auditoriums: Map<string, string>[];
  /** per demo movie (same order as DEMO_MOVIES): its id and its runtime as stored (an operator may edit it) */
  movies: { id: string; runtimeMinutes: number }[];
}

async function seedCatalog(trx: Trx, report: SeedReport, log: (line: string) => void): Promise<CatalogIds> {
  await lockSeed(trx);

  const names = DEMO_THEATERS.map((t) => t.name);
  const theaterIds = new Map<string, string>();
  for (const row of await trx
    .selectFrom('theaters')
    .select(['id', 'name'])
    .where('name', 'in', names)
    .orderBy('created_at')
    .execute()) {
    if (!theaterIds.has(row.name)) theaterIds.set(row.name, row.id);
  }
  const newTheaters = DEMO_THEATERS.filter((t) => !theaterIds.has(t.name));
  if (newTheaters.length > 0) {
    const inserted = await trx
      .insertInto('theaters')
      .values(
        newTheaters.map((t) => ({
          name: t.name,
          address: t.address,
          city: t.city,
          latitude: t.latitude,
          longitude: t.longitude,
          time_zone: t.timeZone,
          booking_fee_cents: demoBookingFee(DEMO_THEATERS.indexOf(t)),
          tax_rate_ppm: DEMO_TAX_RATE_PPM,
        })),
      )
      .returning(['id', 'name'])
      .execute();
    for (const row of inserted) theaterIds.set(row.name, row.id);
    report.theaters = inserted.length;
  }
  log(`seed: theaters ${theaterIds.size}/${DEMO_THEATERS.length} (${report.theaters} new)`);
  // Demo theaters and their upcoming showtimes seeded before prices had fees, tax and ticket types (migration
  // 0013) get them once: only rows still at the defaults, so an operator's prices stay.
  for (const [ti, t] of DEMO_THEATERS.entries()) {
    const id = theaterIds.get(t.name);
    if (!id) continue;
    await trx
      .updateTable('theaters')
      .set({ booking_fee_cents: demoBookingFee(ti), tax_rate_ppm: DEMO_TAX_RATE_PPM })
      .where('id', '=', id)
      .where('booking_fee_cents', '=', 0)
      .where('tax_rate_ppm', '=', 0)
      .execute();
  }
  await sql`
    UPDATE showtimes st
       SET child_discount_cents = 300, senior_discount_cents = 250,
           student_discount_cents = CASE WHEN (st.starts_at AT TIME ZONE th.time_zone)::time < '17:00' THEN 200 END
      FROM auditoriums a JOIN theaters th ON th.id = a.theater_id
     WHERE a.id = st.auditorium_id AND th.id = ANY(${[...theaterIds.values()]}::uuid[])
       AND st.starts_at > now() AND st.child_discount_cents IS NULL AND st.senior_discount_cents IS NULL
       AND st.student_discount_cents IS NULL`.execute(trx);

  const existing = await trx
    .selectFrom('auditoriums')
    .select(['id', 'theater_id', 'name'])
    .where('theater_id', 'in', [...theaterIds.values()])
    .execute();
  const auditoriums = DEMO_THEATERS.map((t) => {
    const theaterId = theaterIds.get(t.name);
    return new Map(existing.filter((a) => a.theater_id === theaterId).map((a) => [a.name, a.id]));
  });
  const wanted = DEMO_THEATERS.flatMap((t, ti) =>
    t.auditoriums
      .filter((a) => !auditoriums[ti]!.has(a.name))
      .map((a) => ({ ti, theaterId: theaterIds.get(t.name)!, name: a.name, layout: a.layout })),
  );
  if (wanted.length > 0) {
    const inserted = await trx
      .insertInto('auditoriums')
      .values(wanted.map((a) => ({ theater_id: a.theaterId, name: a.name, screen_position: 'top' as const })))
      .returning(['id', 'theater_id', 'name'])
      .execute();
    const seats = [];
    for (const row of inserted) {
      const want = wanted.find((a) => a.theaterId === row.theater_id && a.name === row.name)!;
      auditoriums[want.ti]!.set(row.name, row.id);
      for (const seat of layoutSeats(LAYOUTS[want.layout])) seats.push({ auditorium_id: row.id, ...seat });
    }
    for (const chunk of chunks(seats)) await trx.insertInto('seats').values(chunk).execute();
    report.auditoriums = inserted.length;
    report.seats = seats.length;
  }
  const totalAuditoriums = DEMO_THEATERS.reduce((n, t) => n + t.auditoriums.length, 0);
  log(
    `seed: auditoriums ${auditoriums.reduce((n, m) => n + m.size, 0)}/${totalAuditoriums} ` +
      `(${report.auditoriums} new, ${fmt(report.seats)} seats)`,
  );

  const titles = DEMO_MOVIES.map((m) => m.title);
  const movieIds = new Map<string, { id: string; runtimeMinutes: number }>();
  for (const row of await trx
    .selectFrom('movies')
    .select(['id', 'title', 'runtime_minutes'])
    .where('title', 'in', titles)
    .orderBy('created_at')
    .execute()) {
    if (!movieIds.has(row.title))
      movieIds.set(row.title, { id: row.id, runtimeMinutes: row.runtime_minutes });
  }
  // Demo movies seeded before movies had details (migration 0011) get them once; operators' edits stay.
  for (const m of DEMO_MOVIES) {
    const existing = movieIds.get(m.title);
    if (!existing) continue;
    await trx
      .updateTable('movies')
      .set({ genres: m.genres, language: m.language, cast_members: m.cast, trailer_url: m.trailerUrl })
      .where('id', '=', existing.id)
      .where(sql<boolean>`cardinality(genres) = 0 AND cardinality(cast_members) = 0 AND trailer_url IS NULL`)
      .execute();
  }
  const newMovies = DEMO_MOVIES.filter((m) => !movieIds.has(m.title));
  if (newMovies.length > 0) {
    const inserted = await trx
      .insertInto('movies')
      .values(
        newMovies.map((m) => ({
          title: m.title,
          synopsis: m.synopsis,
          runtime_minutes: m.runtimeMinutes,
          rating: m.rating,
          poster_url: m.posterUrl,
          genres: m.genres,
          language: m.language,
          cast_members: m.cast,
          trailer_url: m.trailerUrl,
        })),
      )
      .returning(['id', 'title', 'runtime_minutes'])
      .execute();
    for (const row of inserted) movieIds.set(row.title, { id: row.id, runtimeMinutes: row.runtime_minutes });
    report.movies = inserted.length;
  }
  log(`seed: movies ${movieIds.size}/${DEMO_MOVIES.length} (${report.movies} new)`);

  return { auditoriums, movies: DEMO_MOVIES.map((m) => movieIds.get(m.title)!) };
}

/**
 * One day (offset from each theater's today) of showtimes in every demo auditorium that has none that day,
 * with their seat inventory. An auditorium with any showtime on that day is left as it is, so operators'
 * edits survive restarts and a later run only tops up the days not yet covered.
 */
async function seedShowtimeDay(
  trx: Trx,
  ids: CatalogIds,
  dayOffset: number,
  now: Date,
): Promise<{ date: string; showtimes: number; inventory: number }> {
  await lockSeed(trx);
  const runtimes = ids.movies.map((m) => m.runtimeMinutes);
  const rows: NewShowtime[] = [];
  let label = '';

  for (const [ti, theater] of DEMO_THEATERS.entries()) {
    const date = addDays(localDate(now, theater.timeZone), dayOffset);
    label ||= date;
    const auditoriumIds = [...ids.auditoriums[ti]!.entries()];
    if (auditoriumIds.length === 0) continue;
    const covered = new Set(
      (
        await trx
          .selectFrom('showtimes')
          .select('auditorium_id')
          .distinct()
          .where(
            'auditorium_id',
            'in',
            auditoriumIds.map(([, id]) => id),
          )
          .where('starts_at', '>=', zonedTime(date, 0, theater.timeZone))
          .where('starts_at', '<', zonedTime(addDays(date, 1), 0, theater.timeZone))
          .execute()
      ).map((r) => r.auditorium_id),
    );
    for (const [name, auditoriumId] of auditoriumIds) {
      if (covered.has(auditoriumId)) continue;
      for (const show of planAuditoriumDay(`${theater.name}|${name}|${date}`, runtimes)) {
        const startsAt = zonedTime(date, show.localMinutes, theater.timeZone);
        if (startsAt.getTime() <= now.getTime()) continue;
        const prices = pricesFor(theater.basePriceCents, show.localMinutes);
        rows.push({
          auditorium_id: auditoriumId,
          movie_id: ids.movies[show.movieIndex]!.id,
          starts_at: startsAt,
          ends_at: showtimeEndsAt(startsAt, runtimes[show.movieIndex]!),
          currency: 'USD',
          price_standard_cents: prices.standard,
          price_premium_cents: prices.premium,
          price_accessible_cents: prices.accessible,
          ...demoTicketTypes(show.localMinutes),
          ...presentationFor(layoutOf(theater, name), ti, DEMO_MOVIES[show.movieIndex]!, show.localMinutes),
        });
      }
    }
  }

  const { showtimes, inventory } = await insertShowtimes(trx, rows);
  return { date: label, showtimes, inventory };
}

function layoutOf(theater: DemoTheater, auditoriumName: string): LayoutName {
  return theater.auditoriums.find((a) => a.name === auditoriumName)?.layout ?? 'standard';
}

async function insertShowtimes(
  trx: Trx,
  rows: NewShowtime[],
): Promise<{ showtimes: number; inventory: number }> {
  let showtimes = 0;
  let inventory = 0;
  for (const chunk of chunks(rows, 500)) {
    // DO NOTHING also covers the no-overlap exclusion constraint: a slot an operator filled meanwhile is skipped.
    const inserted = await trx
      .insertInto('showtimes')
      .values(chunk)
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .execute();
    if (inserted.length === 0) continue;
    showtimes += inserted.length;
    const result = await sql`
      INSERT INTO seat_inventory (showtime_id, seat_id)
      SELECT st.id, s.id
      FROM showtimes st
      JOIN auditoriums a ON a.id = st.auditorium_id
      -- as AdminRepository.createInventory: the current layout version, without blocked seats
      JOIN seats s ON s.auditorium_id = a.id AND s.layout_version = a.layout_version AND s.blocked IS NULL
      WHERE st.id = ANY(${inserted.map((r) => r.id)}::uuid[])
      ON CONFLICT DO NOTHING`.execute(trx);
    inventory += Number(result.numAffectedRows ?? 0);
  }
  return { showtimes, inventory };
}

/**
 * Creates the demo city (theaters, auditoriums with seat maps, movies) if missing and tops up showtimes for
 * today and the next six days. Idempotent, safe to run from several processes at once, and cheap when
 * there is nothing to do, so `npm start` runs it on every boot.
 */
export async function seedDemoData(ctx: AppContext, log: (line: string) => void): Promise<SeedReport> {
  const started = performance.now();
  const report: SeedReport = {
    theaters: 0,
    auditoriums: 0,
    seats: 0,
    movies: 0,
    showtimes: 0,
    inventory: 0,
    ms: 0,
  };
  const ids = await ctx.db.transaction().execute((trx) => seedCatalog(trx, report, log));

  const now = ctx.clock.now();
  for (let day = 0; day < SEED_DAYS; day++) {
    const added = await ctx.db.transaction().execute((trx) => seedShowtimeDay(trx, ids, day, now));
    report.showtimes += added.showtimes;
    report.inventory += added.inventory;
    if (added.showtimes > 0) {
      log(
        `seed: showtimes for ${added.date}: ${added.showtimes} (${fmt(added.inventory)} seats of inventory)`,
      );
    }
  }

  report.ms = Math.round(performance.now() - started);
  const seconds = (report.ms / 1000).toFixed(1);
  const added = report.theaters + report.auditoriums + report.movies + report.showtimes;
  log(
    added === 0
      ? `seed: demo data is up to date, nothing to add (${seconds} s)`
      : `seed: done in ${seconds} s: added ${report.theaters} theaters, ${report.auditoriums} auditoriums ` +
          `(${fmt(report.seats)} seats), ${report.movies} movies, ${fmt(report.showtimes)} showtimes ` +
          `(${fmt(report.inventory)} seats of inventory)`,
  );
  return report;
}
