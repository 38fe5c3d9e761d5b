import { randomId } from '../lib/random';
import { session } from '../lib/session';
import type {
  AdminMovie,
  AdminMovieList,
  AdminShowtime,
  MovieCreateBody,
  MovieUpdateBody,
  Schedule,
  ShowtimeBulkBody,
  ShowtimeBulkPreview,
  ShowtimeCreateBody,
  ShowtimeUpdateBody,
  AdminShowtimeList,
  AcceptInvitationBody,
  AccessChangeBody,
  AuditList,
  AuditQuery,
  Invitation,
  InvitationPreview,
  InviteBody,
  Person,
  WebConfig,
  AdminSeatType,
  AdminTheater,
  AdminTheaterCreateBody,
  AdminWaitingRoom,
  QueueStatus,
  WaitingRoomInfo,
  WaitingRoomSettings,
  AdminTheaterUpdateBody,
  AuditoriumCreateBody,
  AuditoriumDetail,
  AuditoriumSummary,
  LayoutSaveBody,
  SeatTypeCreateBody,
  SeatTypeUpdateBody,
  ApiErrorBody,
  AuthResponse,
  BestSeatsResponse,
  Booking,
  BookingList,
  BookingResponse,
  Card,
  CashResponse,
  CheckinResult,
  CounterHoldBody,
  CounterSales,
  DoorBooking,
  HoldResponse,
  LoginBody,
  PasswordChangeBody,
  PasswordResetBody,
  ProfileBody,
  MovieSearchResponse,
  MovieShowtimesQuery,
  MovieShowtimesResponse,
  MoviesResponse,
  PlacesResponse,
  PaymentResponse,
  SeatMapResponse,
  SeatStreamTokenResponse,
  SeatTier,
  TicketTypeCounts,
  ShowtimeResponse,
  SignupBody,
  TheaterResponse,
  TheatersQuery,
  TheatersResponse,
  TicketResponse,
  User,
  SalesBooking,
  SalesReport,
  SalesReportQuery,
  SeatBlockResult,
  StaffSeatView,
} from './types';

export const API_BASE = '/api/v1';

/** An error answer of the API (or a network failure, status 0), with its stable code and details. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The seat ids a SEATS_UNAVAILABLE answer lists. */
  get seatIds(): string[] {
    const ids = this.details.seatIds;
    return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
  }
}

interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** A conditional GET: a 304 answer resolves to NOT_MODIFIED. */
  ifNoneMatch?: string;
  /** Hears the answer's ETag. */
  onEtag?: (etag: string | null) => void;
}

const NOT_MODIFIED = Symbol('not modified');

async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const url = new URL(API_BASE + path, window.location.origin);
  for (const [k, v] of Object.entries(opts.query ?? {}))
    if (v !== undefined) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
  if (opts.ifNoneMatch) headers['if-none-match'] = opts.ifNoneMatch;

  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
      // Revalidations are ours (ifNoneMatch): the browser's cache must not answer or turn a 304 into a 200.
      ...(opts.onEtag ? { cache: 'no-store' as const } : {}),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'Cannot reach Matinee. Check your connection and try again.');
  }
  opts.onEtag?.(res.headers.get('etag'));
  if (res.status === 304) return NOT_MODIFIED as T;
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: handled below
  }
  if (res.ok) return data as T;

  const body = (data as Partial<ApiErrorBody> | undefined)?.error;
  const {
    code = `HTTP_${res.status}`,
    message = res.statusText || 'Request failed',
    ...details
  } = body ?? {};
  const error = new ApiError(res.status, code, message, details);
  if (res.status === 401 && token) session.expire(error.message);
  throw error;
}

const enc = encodeURIComponent;

/** The last seat maps seen, by showtime, with their ETags: a refetch of an unchanged map costs a 304. */
const seatMaps = new Map<string, { etag: string; map: SeatMapResponse }>();
const SEAT_MAPS_KEPT = 8;

async function seatMap(showtimeId: string, signal?: AbortSignal): Promise<SeatMapResponse> {
  const cached = seatMaps.get(showtimeId);
  let etag: string | null = null;
  const data = await request<SeatMapResponse | typeof NOT_MODIFIED>(
    'GET',
    `/showtimes/${enc(showtimeId)}/seats`,
    { signal, ifNoneMatch: cached?.etag, onEtag: (e) => (etag = e) },
  );
  if (data === NOT_MODIFIED) {
    if (cached) return cached.map;
    throw new ApiError(304, 'HTTP_304', 'Unexpected 304 without a cached seat map');
  }
  seatMaps.delete(showtimeId);
  if (etag) seatMaps.set(showtimeId, { etag, map: data });
  if (seatMaps.size > SEAT_MAPS_KEPT) seatMaps.delete(seatMaps.keys().next().value!);
  return data;
}

/** A file the API answers (it needs the bearer token, so it is fetched as a blob), with its attachment name. */
async function download(
  path: string,
  query: Record<string, string>,
  accept: string,
  fallbackName: string,
): Promise<{ blob: Blob; filename: string }> {
  const headers: Record<string, string> = { accept };
  const token = session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  const qs = new URLSearchParams(query).toString();
  let res: Response;
  try {
    res = await fetch(`${API_BASE}${path}${qs ? `?${qs}` : ''}`, { headers });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Cannot reach Matinee. Check your connection and try again.');
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as Partial<ApiErrorBody> | undefined;
    throw new ApiError(res.status, body?.error?.code ?? `HTTP_${res.status}`, body?.error?.message ?? '');
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1];
  return { blob: await res.blob(), filename: name ?? fallbackName };
}

/** Typed calls of the Matinee API: shapes come from the OpenAPI document (see types.ts). */
export const api = {
  signup: (body: SignupBody) => request<AuthResponse>('POST', '/auth/signup', { body }),
  login: (body: LoginBody) => request<AuthResponse>('POST', '/auth/login', { body }),
  me: (signal?: AbortSignal) => request<{ user: User }>('GET', '/auth/me', { signal }),
  updateProfile: (body: ProfileBody) => request<{ user: User }>('PATCH', '/auth/me', { body }),
  changePassword: (body: PasswordChangeBody) => request<AuthResponse>('POST', '/auth/password', { body }),
  logoutEverywhere: () => request<null>('POST', '/auth/logout-all'),
  requestPasswordReset: (email: string) =>
    request<{ message: string }>('POST', '/auth/password-reset', { body: { email } }),
  resetPassword: (body: PasswordResetBody) => request<null>('POST', '/auth/password-reset/confirm', { body }),

  webConfig: (signal?: AbortSignal) => request<WebConfig>('GET', '/web-config', { signal }),
  previewInvitation: (token: string) =>
    request<InvitationPreview>('POST', '/invitations/preview', { body: { token } }),
  acceptInvitation: (body: AcceptInvitationBody) =>
    request<AuthResponse>('POST', '/invitations/accept', { body }),

  theaters: (query: TheatersQuery, signal?: AbortSignal) =>
    request<TheatersResponse>('GET', '/theaters', { query, signal }),
  theater: (theaterId: string, signal?: AbortSignal) =>
    request<TheaterResponse>('GET', `/theaters/${enc(theaterId)}`, { signal }),
  movies: (theaterId: string, date: string | undefined, signal?: AbortSignal) =>
    request<MoviesResponse>('GET', `/theaters/${enc(theaterId)}/movies`, { query: { date }, signal }),
  searchMovies: (q: string, signal?: AbortSignal) =>
    request<MovieSearchResponse>('GET', '/movies', { query: { q, limit: 20 }, signal }),
  movieShowtimes: (movieId: string, query: MovieShowtimesQuery, signal?: AbortSignal) =>
    request<MovieShowtimesResponse>('GET', `/movies/${enc(movieId)}/showtimes`, { query, signal }),
  places: (q: string, signal?: AbortSignal) =>
    request<PlacesResponse>('GET', '/places', { query: { q, limit: 8 }, signal }),
  showtime: (showtimeId: string, signal?: AbortSignal) =>
    request<ShowtimeResponse>('GET', `/showtimes/${enc(showtimeId)}`, { signal }),
  seats: seatMap,
  /** A short-lived token for one showtime's seat stream: EventSource cannot send the Authorization header. */
  seatStreamToken: (showtimeId: string, signal?: AbortSignal) =>
    request<SeatStreamTokenResponse>('POST', `/showtimes/${enc(showtimeId)}/seats/stream-token`, { signal }),
  /** Without a stream token: the anonymous stream of someone browsing signed out. */
  seatStreamUrl: (showtimeId: string, streamToken?: string) =>
    `${API_BASE}/showtimes/${enc(showtimeId)}/seats/stream${streamToken ? `?token=${enc(streamToken)}` : ''}`,

  /** Without ticket types every ticket is adult. A high-demand showtime needs the queue's admission token. */
  hold: (
    showtimeId: string,
    seatIds: string[],
    idempotencyKey = randomId(),
    ticketTypes?: TicketTypeCounts,
    admissionToken?: string,
  ) =>
    request<BookingResponse>('POST', '/bookings', {
      body: {
        showtimeId,
        seatIds,
        ...(ticketTypes ? { ticketTypes } : {}),
        ...(admissionToken ? { admissionToken } : {}),
      },
      idempotencyKey,
    }),
  /** The best seats available for `count` (and a tier), held at once: the server chooses again if it loses a race. */
  holdBest: (
    showtimeId: string,
    count: number,
    tier: SeatTier | undefined,
    idempotencyKey = randomId(),
    admissionToken?: string,
  ) =>
    request<HoldResponse>('POST', '/bookings', {
      body: { showtimeId, count, ...(tier ? { tier } : {}), ...(admissionToken ? { admissionToken } : {}) },
      idempotencyKey,
    }),

  /** The virtual waiting room of a high-demand showtime (null: it sells normally). */
  waitingRoom: (showtimeId: string, signal?: AbortSignal) =>
    request<WaitingRoomInfo>('GET', `/showtimes/${enc(showtimeId)}/waiting-room`, { signal }),
  /** Takes a place, or answers the one this account already has (reloads and other tabs keep it). */
  joinQueue: (showtimeId: string) => request<QueueStatus>('POST', `/showtimes/${enc(showtimeId)}/queue`),
  queueStatus: (showtimeId: string, signal?: AbortSignal) =>
    request<QueueStatus>('GET', `/showtimes/${enc(showtimeId)}/queue`, { signal }),
  leaveQueue: (showtimeId: string) => request<null>('DELETE', `/showtimes/${enc(showtimeId)}/queue`),
  /** EventSource of the place in the queue; signs in with the showtime's stream token. */
  queueStreamUrl: (showtimeId: string, streamToken: string) =>
    `${API_BASE}/showtimes/${enc(showtimeId)}/queue/stream?token=${enc(streamToken)}`,
  /** Proposal number `skip` (0 is the best) for `count` seats, without holding anything. */
  bestSeats: (
    showtimeId: string,
    count: number,
    tier: SeatTier | undefined,
    skip: number,
    signal?: AbortSignal,
  ) =>
    request<BestSeatsResponse>('GET', `/showtimes/${enc(showtimeId)}/best-seats`, {
      query: { count, tier, skip },
      signal,
    }),
  /** More time to pay, once per hold. */
  extend: (bookingId: string) => request<{ booking: Booking }>('POST', `/bookings/${enc(bookingId)}/extend`),
  booking: (bookingId: string, signal?: AbortSignal) =>
    request<BookingResponse>('GET', `/bookings/${enc(bookingId)}`, { signal }),
  bookings: (cursor: string | undefined, limit = 20, signal?: AbortSignal) =>
    request<BookingList>('GET', '/bookings', { query: { limit, cursor }, signal }),
  pay: (bookingId: string, card: Card, idempotencyKey: string) =>
    request<PaymentResponse>('POST', `/bookings/${enc(bookingId)}/payment`, {
      body: { card },
      idempotencyKey,
    }),
  cancel: (bookingId: string) => request<{ booking: Booking }>('DELETE', `/bookings/${enc(bookingId)}`),
  refund: (bookingId: string) => request<{ booking: Booking }>('POST', `/bookings/${enc(bookingId)}/refund`),
  /** The booking's .ics (it needs the bearer token, so the page downloads it as a blob). */
  bookingCalendar: (bookingId: string) =>
    download(`/bookings/${enc(bookingId)}/calendar.ics`, {}, 'text/calendar', 'matinee-booking.ics'),
  ticket: (ticketId: string, signal?: AbortSignal) =>
    request<TicketResponse>('GET', `/tickets/${enc(ticketId)}`, { signal }),

  checkin: (code: string) => request<CheckinResult>('POST', '/checkin', { body: { code } }),
  checkinTicket: (ticketId: string) => request<CheckinResult>('POST', `/checkin/tickets/${enc(ticketId)}`),
  doorBooking: (reference: string) =>
    request<DoorBooking>('GET', `/checkin/bookings/${enc(reference.replace(/[\s-]/g, ''))}`),

  /** The operator console: admin only (the API answers 403 to anyone else). */
  boxOffice: {
    hold: (body: CounterHoldBody) => request<{ booking: Booking }>('POST', '/box-office/holds', { body }),
    payCash: (bookingId: string, tenderedCents: number) =>
      request<CashResponse>('POST', `/box-office/bookings/${enc(bookingId)}/cash`, {
        body: { tenderedCents },
      }),
    theaters: (signal?: AbortSignal) =>
      request<{ theaterIds: string[] | null }>('GET', '/box-office/theaters', { signal }),
    sales: (signal?: AbortSignal) =>
      request<CounterSales>('GET', '/box-office/sales', { query: { limit: 10 }, signal }),
  },
  admin: {
    theaters: (signal?: AbortSignal) =>
      request<{ theaters: AdminTheater[] }>('GET', '/admin/theaters', { query: { limit: 200 }, signal }),
    theater: (theaterId: string, signal?: AbortSignal) =>
      request<{ theater: AdminTheater }>('GET', `/admin/theaters/${enc(theaterId)}`, { signal }),
    createTheater: (body: AdminTheaterCreateBody) =>
      request<{ theater: AdminTheater }>('POST', '/admin/theaters', { body }),
    updateTheater: (theaterId: string, body: AdminTheaterUpdateBody) =>
      request<{ theater: AdminTheater }>('PATCH', `/admin/theaters/${enc(theaterId)}`, { body }),
    auditoriums: (theaterId: string, signal?: AbortSignal) =>
      request<{ auditoriums: AuditoriumSummary[] }>('GET', `/admin/theaters/${enc(theaterId)}/auditoriums`, {
        signal,
      }),
    auditorium: (auditoriumId: string, signal?: AbortSignal) =>
      request<{ auditorium: AuditoriumDetail }>('GET', `/admin/auditoriums/${enc(auditoriumId)}`, { signal }),
    createAuditorium: (theaterId: string, body: AuditoriumCreateBody) =>
      request<{ auditorium: AuditoriumDetail }>('POST', `/admin/theaters/${enc(theaterId)}/auditoriums`, {
        body,
      }),
    waitingRoom: (showtimeId: string, signal?: AbortSignal) =>
      request<{ waitingRoom: AdminWaitingRoom }>('GET', `/admin/showtimes/${enc(showtimeId)}/waiting-room`, {
        signal,
      }),
    setWaitingRoom: (showtimeId: string, body: WaitingRoomSettings) =>
      request<{ waitingRoom: AdminWaitingRoom }>('PUT', `/admin/showtimes/${enc(showtimeId)}/waiting-room`, {
        body,
      }),
    removeWaitingRoom: (showtimeId: string) =>
      request<null>('DELETE', `/admin/showtimes/${enc(showtimeId)}/waiting-room`),
    people: (signal?: AbortSignal) => request<{ people: Person[] }>('GET', '/admin/people', { signal }),
    changeAccess: (userId: string, body: AccessChangeBody) =>
      request<{ person: Person | null }>('PATCH', `/admin/people/${enc(userId)}`, { body }),
    revokeAccess: (userId: string) => request<null>('DELETE', `/admin/people/${enc(userId)}`),
    invitations: (signal?: AbortSignal) =>
      request<{ invitations: Invitation[] }>('GET', '/admin/invitations', { signal }),
    invite: (body: InviteBody) => request<{ invitation: Invitation }>('POST', '/admin/invitations', { body }),
    revokeInvitation: (invitationId: string) =>
      request<null>('DELETE', `/admin/invitations/${enc(invitationId)}`),
    auditLog: (query: AuditQuery, signal?: AbortSignal) =>
      request<AuditList>('GET', '/admin/audit-log', {
        query: query as Record<string, string | number | undefined>,
        signal,
      }),
    saveLayout: (auditoriumId: string, body: LayoutSaveBody) =>
      request<{ auditorium: AuditoriumDetail }>('PUT', `/admin/auditoriums/${enc(auditoriumId)}/layout`, {
        body,
      }),
    showtimes: (query: { theaterId?: string; from?: string; to?: string }, signal?: AbortSignal) =>
      request<AdminShowtimeList>('GET', '/admin/showtimes', { query: { ...query, limit: 200 }, signal }),
    movies: (query: { q?: string; limit?: number; offset?: number }, signal?: AbortSignal) =>
      request<AdminMovieList>('GET', '/admin/movies', { query, signal }),
    movie: (movieId: string, signal?: AbortSignal) =>
      request<{ movie: AdminMovie }>('GET', `/admin/movies/${enc(movieId)}`, { signal }),
    createMovie: (body: MovieCreateBody) => request<{ movie: AdminMovie }>('POST', '/admin/movies', { body }),
    updateMovie: (movieId: string, body: MovieUpdateBody) =>
      request<{ movie: AdminMovie }>('PATCH', `/admin/movies/${enc(movieId)}`, { body }),
    schedule: (theaterId: string, from: string, to: string, signal?: AbortSignal) =>
      request<Schedule>('GET', `/admin/theaters/${enc(theaterId)}/schedule`, { query: { from, to }, signal }),
    createShowtime: (body: ShowtimeCreateBody) =>
      request<{ showtime: AdminShowtime }>('POST', '/admin/showtimes', { body }),
    updateShowtime: (showtimeId: string, body: ShowtimeUpdateBody) =>
      request<{ showtime: AdminShowtime }>('PATCH', `/admin/showtimes/${enc(showtimeId)}`, { body }),
    deleteShowtime: (showtimeId: string) => request<null>('DELETE', `/admin/showtimes/${enc(showtimeId)}`),
    previewShowtimes: (showtimes: ShowtimeBulkBody['showtimes']) =>
      request<ShowtimeBulkPreview>('POST', '/admin/showtimes/bulk', { body: { dryRun: true, showtimes } }),
    createShowtimes: (showtimes: ShowtimeBulkBody['showtimes']) =>
      request<{ showtimes: AdminShowtime[] }>('POST', '/admin/showtimes/bulk', { body: { showtimes } }),
    seatTypes: (theaterId: string, signal?: AbortSignal) =>
      request<{ seatTypes: AdminSeatType[] }>('GET', `/admin/theaters/${enc(theaterId)}/seat-types`, {
        signal,
      }),
    createSeatType: (theaterId: string, body: SeatTypeCreateBody) =>
      request<{ seatType: AdminSeatType }>('POST', `/admin/theaters/${enc(theaterId)}/seat-types`, { body }),
    updateSeatType: (theaterId: string, seatTypeId: string, body: SeatTypeUpdateBody) =>
      request<{ seatType: AdminSeatType }>(
        'PATCH',
        `/admin/theaters/${enc(theaterId)}/seat-types/${enc(seatTypeId)}`,
        { body },
      ),
    deleteSeatType: (theaterId: string, seatTypeId: string) =>
      request<undefined>('DELETE', `/admin/theaters/${enc(theaterId)}/seat-types/${enc(seatTypeId)}`),
  },
  /** The sales console: the seat view is for staff and admins, everything else for admins. */
  sales: {
    seats: (showtimeId: string, signal?: AbortSignal) =>
      request<StaffSeatView>('GET', `/admin/sales/showtimes/${enc(showtimeId)}/seats`, { signal }),
    block: (showtimeId: string, seatIds: string[], reason?: string) =>
      request<SeatBlockResult>('POST', `/admin/sales/showtimes/${enc(showtimeId)}/blocks`, {
        body: { seatIds, ...(reason ? { reason } : {}) },
      }),
    unblock: (showtimeId: string, seatIds: string[], reason?: string) =>
      request<SeatBlockResult>('POST', `/admin/sales/showtimes/${enc(showtimeId)}/unblocks`, {
        body: { seatIds, ...(reason ? { reason } : {}) },
      }),
    release: (bookingId: string, reason?: string) =>
      request<{ booking: SalesBooking }>('POST', `/admin/sales/bookings/${enc(bookingId)}/release`, {
        body: reason ? { reason } : {},
      }),
    refund: (bookingId: string, reason: string) =>
      request<{ booking: SalesBooking }>('POST', `/admin/sales/bookings/${enc(bookingId)}/refund`, {
        body: { reason },
      }),
    report: (query: SalesReportQuery, signal?: AbortSignal) =>
      request<SalesReport>('GET', '/admin/sales/report', { query, signal }),
    /** A CSV export (it needs the bearer token, so the page downloads it as a blob). */
    csv: (path: '/admin/sales/report.csv' | '/admin/sales/bookings.csv', query: Record<string, string>) =>
      download(path, query, 'text/csv', 'matinee.csv'),
  },
};
