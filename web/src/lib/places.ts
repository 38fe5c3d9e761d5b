import { api } from '../api/client';
import type { GazetteerPlace } from '../api/types';

/** Where the customer is: their device's position, or a place they searched (a ZIP code or a city). */
export interface Place {
  kind: 'geo' | 'place';
  name: string;
  lat: number;
  lng: number;
}

const PLACE_KEY = 'matinee.place';

/** Until the customer says where they are: the demo city. */
export const DEFAULT_PLACE: Place = { kind: 'place', name: 'New York, NY', lat: 40.7128, lng: -74.006 };

export function storedPlace(): Place | null {
  try {
    const raw = window.localStorage.getItem(PLACE_KEY);
    if (!raw) return null;
    const p = JSON.parse(raw) as Partial<Place>;
    if (typeof p.lat !== 'number' || typeof p.lng !== 'number' || typeof p.name !== 'string') return null;
    return { kind: p.kind === 'geo' ? 'geo' : 'place', name: p.name, lat: p.lat, lng: p.lng };
  } catch {
    return null;
  }
}

export function rememberPlace(place: Place): void {
  try {
    window.localStorage.setItem(PLACE_KEY, JSON.stringify(place));
  } catch {
    // not remembered
  }
}

export function fromGazetteer(p: GazetteerPlace): Place {
  return { kind: 'place', name: p.label, lat: p.lat, lng: p.lng };
}

/** The gazetteer lives on the server (GET /places): the browser never downloads it. */
export async function findPlaces(query: string, signal?: AbortSignal): Promise<GazetteerPlace[]> {
  const q = query.trim();
  if (!q) return [];
  return (await api.places(q, signal)).places;
}

export function currentPosition(): Promise<Place> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('This browser cannot share its location.'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) =>
        resolve({ kind: 'geo', name: 'your location', lat: pos.coords.latitude, lng: pos.coords.longitude }),
      (err) =>
        reject(
          new Error(
            err.code === err.PERMISSION_DENIED
              ? 'Location sharing is off for this site. Search a ZIP code or a city instead.'
              : 'Your location could not be found. Search a ZIP code or a city instead.',
          ),
        ),
      { enableHighAccuracy: false, timeout: 10_000, maximumAge: 300_000 },
    );
  });
}
