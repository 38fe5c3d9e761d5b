export interface City {
  name: string;
  lat: number;
  lng: number;
}

/** A small built-in list for "theaters near" when the browser's location is not shared. */
export const CITIES: City[] = [
  { name: 'New York, NY', lat: 40.7128, lng: -74.006 },
  { name: 'Brooklyn, NY', lat: 40.6782, lng: -73.9442 },
  { name: 'Queens, NY', lat: 40.7282, lng: -73.7949 },
  { name: 'Jersey City, NJ', lat: 40.7178, lng: -74.0431 },
  { name: 'Hoboken, NJ', lat: 40.744, lng: -74.0324 },
  { name: 'Newark, NJ', lat: 40.7357, lng: -74.1724 },
  { name: 'Philadelphia, PA', lat: 39.9526, lng: -75.1652 },
  { name: 'Boston, MA', lat: 42.3601, lng: -71.0589 },
  { name: 'Washington, DC', lat: 38.9072, lng: -77.0369 },
  { name: 'Chicago, IL', lat: 41.8781, lng: -87.6298 },
  { name: 'Los Angeles, CA', lat: 34.0522, lng: -118.2437 },
  { name: 'San Francisco, CA', lat: 37.7749, lng: -122.4194 },
];

export const DEFAULT_CITY = CITIES[0]!;

export function findCity(query: string): City | undefined {
  const q = query.trim().toLowerCase();
  if (!q) return undefined;
  return (
    CITIES.find((c) => c.name.toLowerCase() === q) ??
    CITIES.find((c) => c.name.toLowerCase().startsWith(q)) ??
    CITIES.find((c) => c.name.toLowerCase().includes(q))
  );
}
