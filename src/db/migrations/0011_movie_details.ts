import { sql, type Kysely } from 'kysely';

// Movie first (issue 11): what a movie page shows (genres, language, cast, trailer) and how each showtime is
// presented (2D, 3D, IMAX, Dolby; original, subtitled or dubbed with a language), filterable by customers.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE movies
      ADD COLUMN genres text[] NOT NULL DEFAULT '{}' CHECK (cardinality(genres) <= 10),
      ADD COLUMN language text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2,3}$'),
      ADD COLUMN cast_members text[] NOT NULL DEFAULT '{}' CHECK (cardinality(cast_members) <= 50),
      ADD COLUMN trailer_url text CHECK (length(trailer_url) <= 2000)`.execute(db);
  await sql`
    ALTER TABLE showtimes
      ADD COLUMN format text NOT NULL DEFAULT '2D' CHECK (format IN ('2D', '3D', 'IMAX', 'DOLBY')),
      ADD COLUMN presentation text NOT NULL DEFAULT 'original'
        CHECK (presentation IN ('original', 'subtitled', 'dubbed')),
      -- the subtitles' language when subtitled, the soundtrack's when dubbed
      ADD COLUMN presentation_language text CHECK (presentation_language ~ '^[a-z]{2,3}$'),
      ADD CONSTRAINT showtimes_presentation_has_language
        CHECK ((presentation = 'original') = (presentation_language IS NULL))`.execute(db);
  // A movie page lists one movie's upcoming showtimes across theaters.
  await sql`CREATE INDEX showtimes_movie_starts_idx ON showtimes (movie_id, starts_at)`.execute(db);
  await sql`DROP INDEX showtimes_movie_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX showtimes_movie_idx ON showtimes (movie_id)`.execute(db);
  await sql`DROP INDEX showtimes_movie_starts_idx`.execute(db);
  await sql`
    ALTER TABLE showtimes
      DROP CONSTRAINT showtimes_presentation_has_language,
      DROP COLUMN presentation_language, DROP COLUMN presentation, DROP COLUMN format`.execute(db);
  await sql`
    ALTER TABLE movies DROP COLUMN trailer_url, DROP COLUMN cast_members, DROP COLUMN language,
      DROP COLUMN genres`.execute(db);
}
