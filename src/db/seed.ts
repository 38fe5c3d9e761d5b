import type { AppContext } from '../context.js';

export interface SeedReport {
  theaters: number;
  auditoriums: number;
  movies: number;
  showtimes: number;
}

/** Placeholder: the demo city seed is being written (see issue 2). */
export function seedDemoData(_ctx: AppContext, _log: (line: string) => void): Promise<SeedReport> {
  return Promise.resolve({ theaters: 0, auditoriums: 0, movies: 0, showtimes: 0 });
}
