import { describe, expect, it } from 'vitest';
import { boundingBox, haversineKm, type BoundingBox, type LatLng } from './geo.js';

const NYC: LatLng = { lat: 40.7128, lng: -74.006 };

function inBox(box: BoundingBox, p: LatLng): boolean {
  return (
    p.lat >= box.minLat &&
    p.lat <= box.maxLat &&
    box.lngRanges.some(([min, max]) => p.lng >= min && p.lng <= max)
  );
}

/** A point `km` away from `from` on the given bearing (degrees), on the same sphere. */
function destination(from: LatLng, km: number, bearingDeg: number): LatLng {
  const R = 6371.0088;
  const d = km / R;
  const b = (bearingDeg * Math.PI) / 180;
  const lat1 = (from.lat * Math.PI) / 180;
  const lng1 = (from.lng * Math.PI) / 180;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(b));
  const lng2 =
    lng1 +
    Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  const lng = ((((lng2 * 180) / Math.PI + 540) % 360) + 360) % 360;
  return { lat: (lat2 * 180) / Math.PI, lng: lng - 180 };
}

describe('haversineKm', () => {
  it('is zero for the same point and symmetric', () => {
    expect(haversineKm(NYC, NYC)).toBe(0);
    const la = { lat: 34.0522, lng: -118.2437 };
    expect(haversineKm(NYC, la)).toBeCloseTo(haversineKm(la, NYC), 9);
  });

  it('matches known distances', () => {
    // New York to Los Angeles is about 3936 km on a sphere; London to Paris about 344 km.
    expect(haversineKm(NYC, { lat: 34.0522, lng: -118.2437 })).toBeGreaterThan(3930);
    expect(haversineKm(NYC, { lat: 34.0522, lng: -118.2437 })).toBeLessThan(3945);
    expect(haversineKm({ lat: 51.5074, lng: -0.1278 }, { lat: 48.8566, lng: 2.3522 })).toBeCloseTo(343.6, 0);
    // One degree of latitude is ~111.2 km everywhere.
    expect(haversineKm({ lat: 10, lng: 20 }, { lat: 11, lng: 20 })).toBeCloseTo(111.195, 2);
  });

  it('takes the short way across the antimeridian', () => {
    const d = haversineKm({ lat: 0, lng: 179.9 }, { lat: 0, lng: -179.9 });
    expect(d).toBeCloseTo(22.24, 1);
  });

  it('does not return NaN for antipodal points', () => {
    const d = haversineKm({ lat: 0, lng: 0 }, { lat: 0, lng: 180 });
    expect(d).toBeCloseTo(Math.PI * 6371.0088, 3);
  });

  it('orders theaters nearest first', () => {
    const theaters = [
      { name: 'Newark', lat: 40.7357, lng: -74.1724 },
      { name: 'Philadelphia', lat: 39.9526, lng: -75.1652 },
      { name: 'Brooklyn', lat: 40.6782, lng: -73.9442 },
      { name: 'Boston', lat: 42.3601, lng: -71.0589 },
      { name: 'Midtown', lat: 40.758, lng: -73.9855 },
      { name: 'Jersey City', lat: 40.7178, lng: -74.0431 },
    ];
    const ordered = [...theaters]
      .sort((a, b) => haversineKm(NYC, a) - haversineKm(NYC, b))
      .map((t) => t.name);
    expect(ordered).toEqual(['Jersey City', 'Midtown', 'Brooklyn', 'Newark', 'Philadelphia', 'Boston']);
  });

  it('orders correctly around the antimeridian (east of 180 is close to west of -180)', () => {
    const origin = { lat: -17.7, lng: 179.95 };
    const points = [
      { name: 'far-west', lat: -17.7, lng: 178.5 },
      { name: 'just-across', lat: -17.7, lng: -179.98 },
      { name: 'across', lat: -17.7, lng: -179.5 },
    ];
    const ordered = [...points]
      .sort((a, b) => haversineKm(origin, a) - haversineKm(origin, b))
      .map((p) => p.name);
    expect(ordered).toEqual(['just-across', 'across', 'far-west']);
  });
});

describe('boundingBox', () => {
  it('contains every point on the circle, in every direction', () => {
    for (const center of [NYC, { lat: -33.87, lng: 151.21 }, { lat: 64.1, lng: -21.9 }, { lat: 0, lng: 0 }]) {
      for (const km of [0.5, 25, 200]) {
        const box = boundingBox(center, km);
        for (let bearing = 0; bearing < 360; bearing += 7.5) {
          const p = destination(center, km * 0.999999, bearing);
          expect(inBox(box, p), `${JSON.stringify(center)} ${km} km bearing ${bearing}`).toBe(true);
        }
      }
    }
  });

  it('is tight: a point well outside the radius along an axis is outside the box', () => {
    const box = boundingBox(NYC, 25);
    expect(inBox(box, destination(NYC, 26, 0))).toBe(false);
    expect(inBox(box, destination(NYC, 26, 90))).toBe(false);
    expect(inBox(box, destination(NYC, 26, 180))).toBe(false);
    expect(inBox(box, destination(NYC, 26, 270))).toBe(false);
    expect(box.lngRanges).toHaveLength(1);
  });

  it('splits the longitude range across the antimeridian', () => {
    const east = boundingBox({ lat: -17.7, lng: 179.95 }, 25);
    expect(east.lngRanges).toHaveLength(2);
    expect(inBox(east, { lat: -17.7, lng: -179.98 })).toBe(true);
    expect(inBox(east, { lat: -17.7, lng: 179.9 })).toBe(true);
    expect(inBox(east, { lat: -17.7, lng: 0 })).toBe(false);

    const west = boundingBox({ lat: 65, lng: -179.9 }, 50);
    expect(west.lngRanges).toHaveLength(2);
    expect(inBox(west, { lat: 65, lng: 179.8 })).toBe(true);
    expect(inBox(west, { lat: 65, lng: -179.5 })).toBe(true);
    expect(inBox(west, { lat: 65, lng: 170 })).toBe(false);
    for (const [min, max] of west.lngRanges) {
      expect(min).toBeGreaterThanOrEqual(-180);
      expect(max).toBeLessThanOrEqual(180);
    }
  });

  it('takes every longitude when the circle reaches a pole', () => {
    const box = boundingBox({ lat: 89.9, lng: 10 }, 50);
    expect(box.lngRanges).toEqual([[-180, 180]]);
    expect(box.maxLat).toBe(90);
    expect(inBox(box, { lat: 89.9, lng: -170 })).toBe(true);
  });

  it('refuses a negative or NaN radius', () => {
    expect(() => boundingBox(NYC, -1)).toThrow(RangeError);
    expect(() => boundingBox(NYC, Number.NaN)).toThrow(RangeError);
  });
});
