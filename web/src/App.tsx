import { useEffect, type ReactNode } from 'react';
import { Layout } from './components/Layout';
import { Loading } from './components/Notice';
import { NotFound } from './components/NotFound';
import { useAuth } from './lib/auth';
import { match, navigate, signInHref, useLocation } from './lib/router';
import { AccountPage } from './pages/AccountPage';
import { BookingPage } from './pages/BookingPage';
import { BoxOfficePage } from './pages/BoxOfficePage';
import { BookingsPage } from './pages/BookingsPage';
import { CheckinPage } from './pages/CheckinPage';
import { InvitationPage } from './pages/InvitationPage';
import { MoviePage } from './pages/MoviePage';
import { ForgotPasswordPage, ResetPasswordPage } from './pages/PasswordResetPages';
import { ShowtimeGate, WaitingRoomPage } from './pages/WaitingRoomPage';
import { SignInPage } from './pages/SignInPage';
import { TheaterPage } from './pages/TheaterPage';
import { TheatersPage } from './pages/TheatersPage';
import { AuditLogPage } from './pages/admin/AuditLogPage';
import { ConsoleShell } from './pages/admin/ConsoleShell';
import { PeoplePage } from './pages/admin/PeoplePage';
import { LayoutDesignerPage } from './pages/admin/LayoutDesignerPage';
import { MovieAdminPage, MoviesAdminPage } from './pages/admin/MoviesAdminPage';
import { SchedulePage } from './pages/admin/SchedulePage';
import { SalesPage } from './pages/admin/SalesPage';
import { SalesReportsPage } from './pages/admin/SalesReportsPage';
import { SalesShowtimePage } from './pages/admin/SalesShowtimePage';
import { TheaterAdminPage } from './pages/admin/TheaterAdminPage';
import { TheatersAdminPage } from './pages/admin/TheatersAdminPage';
import { WaitingRoomsAdminPage } from './pages/admin/WaitingRoomsAdminPage';

function route(path: string): ReactNode {
  if (path === '/') return <TheatersPage />;
  let p = match('/theaters/:theaterId', path);
  if (p) return <TheaterPage key={p.theaterId} theaterId={p.theaterId!} />;
  p = match('/movies/:movieId', path);
  if (p) return <MoviePage key={p.movieId} movieId={p.movieId!} />;
  p = match('/showtimes/:showtimeId', path);
  if (p) return <ShowtimeGate key={p.showtimeId} showtimeId={p.showtimeId!} />;
  p = match('/showtimes/:showtimeId/queue', path);
  if (p) return <WaitingRoomPage key={p.showtimeId} showtimeId={p.showtimeId!} />;
  if (path === '/bookings') return <BookingsPage />;
  p = match('/bookings/:bookingId', path);
  if (p) return <BookingPage key={p.bookingId} bookingId={p.bookingId!} />;
  if (path === '/checkin') return <CheckinPage />;
  if (path === '/box-office') return <BoxOfficePage />;
  if (path === '/account') return <AccountPage />;
  if (path === '/admin' || path.startsWith('/admin/'))
    return <ConsoleShell>{consoleRoute(path)}</ConsoleShell>;
  return <NotFound />;
}

/** The operator console's pages (ConsoleShell lets only admins in). */
function consoleRoute(path: string): ReactNode {
  if (path === '/admin' || path === '/admin/theaters') return <TheatersAdminPage />;
  if (path === '/admin/waiting-rooms') return <WaitingRoomsAdminPage />;
  if (path === '/admin/people') return <PeoplePage />;
  if (path === '/admin/audit-log') return <AuditLogPage />;
  if (path === '/admin/theaters/new') return <TheaterAdminPage theaterId={null} />;
  if (path === '/admin/movies') return <MoviesAdminPage />;
  if (path === '/admin/movies/new') return <MovieAdminPage movieId={null} />;
  if (path === '/admin/schedule') return <SchedulePage />;
  let p = match('/admin/movies/:movieId', path);
  if (p) return <MovieAdminPage key={p.movieId} movieId={p.movieId!} />;
  p = match('/admin/theaters/:theaterId', path);
  if (p) return <TheaterAdminPage key={p.theaterId} theaterId={p.theaterId!} />;
  p = match('/admin/theaters/:theaterId/auditoriums/:auditoriumId', path);
  if (p) {
    const auditoriumId = p.auditoriumId === 'new' ? null : p.auditoriumId!;
    return (
      <LayoutDesignerPage
        key={`${p.theaterId}-${p.auditoriumId}`}
        theaterId={p.theaterId!}
        auditoriumId={auditoriumId}
      />
    );
  }
  if (path === '/admin/sales') return <SalesPage />;
  if (path === '/admin/sales/reports') return <SalesReportsPage />;
  p = match('/admin/sales/showtimes/:showtimeId', path);
  if (p) return <SalesShowtimePage key={p.showtimeId} showtimeId={p.showtimeId!} />;
  return <NotFound back={{ to: '/admin/theaters', label: 'All theaters' }} />;
}

/** Pages that are about the customer's own account: everything else (the catalog, seat maps) is open to all. */
function needsAccount(path: string): boolean {
  return (
    path === '/bookings' ||
    path.startsWith('/bookings/') ||
    path === '/checkin' ||
    path === '/box-office' ||
    path === '/account' ||
    path === '/admin' ||
    path.startsWith('/admin/')
  );
}

/**
 * Browsing needs no account; pages about the customer's own bookings (and the door) do: one step to sign in,
 * then straight back to where they were.
 */
export function App() {
  const { user, checking } = useAuth();
  const location = useLocation();
  const onSignIn = location.path === '/signin';
  // Pages for people who cannot sign in: a signed-in visitor may open them too (a reset link in another tab).
  const publicPage =
    location.path === '/forgot-password' ? (
      <ForgotPasswordPage />
    ) : location.path === '/reset-password' ? (
      <ResetPasswordPage />
    ) : location.path === '/invitation' ? (
      <InvitationPage />
    ) : null;
  const privatePage = publicPage === null && needsAccount(location.path);

  useEffect(() => {
    if (!user && !checking && privatePage) {
      navigate(signInHref(location.href), { replace: true });
    } else if (user && onSignIn) {
      navigate('/', { replace: true });
    }
  }, [user, checking, onSignIn, privatePage, location.href]);

  let page: ReactNode;
  if (publicPage) page = publicPage;
  else if (onSignIn) page = <SignInPage />;
  else if (privatePage && !user) page = <Loading />;
  else page = route(location.path);
  return <Layout>{page}</Layout>;
}
