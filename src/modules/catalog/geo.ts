/** Mean Earth radius (IUGG). The SQL distance uses the same constant, so both sides agree to the metre. */
export const EARTH_RADIUS_KM = 6371.0088;

export interface LatLng {
  lat: number;
  lng: number;
}

/** An inclusive latitude range and one or two longitude ranges (two when the box crosses ±180°). */
export interface BoundingBox {
  minLat: number;
  maxLat: number;
  lngRanges: [min: number, max: number][];
}

const toRad = (deg: number) => (deg * Math.PI) / 180;
const toDeg = (rad: number) => (rad * 180) / Math.PI;

/** Great-circle distance in km. Haversine stays accurate for short distances, unlike the law of cosines. */
export function haversineKm(a: LatLng, b: LatLng): number {
  const dLat = toRad(b.lat - a.lat);
  const dLng = toRad(b.lng - a.lng);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(toRad(a.lat)) * Math.cos(toRad(b.lat)) * Math.sin(dLng / 2) ** 2;
  // Rounding can push h a hair above 1 for antipodal points; asin would then return NaN.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

// Padding so a point exactly on the circle is not lost to floating-point rounding in the prefilter.
const PAD_DEG = 1e-9;

/**
 * The smallest lat/lng box that contains every point within `radiusKm` of `center` (J. Matuschek's method).
 * Used as an index-friendly prefilter; the exact distance is checked afterwards. When the circle reaches a pole
 * every longitude qualifies; when it crosses the antimeridian the longitude range splits in two.
 */
export function boundingBox(center: LatLng, radiusKm: number): BoundingBox {
  if (!(radiusKm >= 0)) throw new RangeError('radiusKm must be a non-negative number');
  const angular = radiusKm / EARTH_RADIUS_KM;
  const lat = toRad(center.lat);
  const lng = toRad(center.lng);
  const minLat = lat - angular;
  const maxLat = lat + angular;

  if (minLat <= -Math.PI / 2 || maxLat >= Math.PI / 2 || angular >= Math.PI / 2) {
    return {
      minLat: Math.max(-90, toDeg(minLat) - PAD_DEG),
      maxLat: Math.min(90, toDeg(maxLat) + PAD_DEG),
      lngRanges: [[-180, 180]],
    };
  }

  const dLng = Math.asin(Math.sin(angular) / Math.cos(lat));
  const box = { minLat: toDeg(minLat) - PAD_DEG, maxLat: toDeg(maxLat) + PAD_DEG };
  const west = toDeg(lng - dLng) - PAD_DEG;
  const east = toDeg(lng + dLng) + PAD_DEG;
  if (east - west >= 360) return { ...box, lngRanges: [[-180, 180]] };
  if (west < -180) {
    return {
      ...box,
      lngRanges: [
        [west + 360, 180],
        [-180, east],
      ],
    };
  }
  if (east > 180) {
    return {
      ...box,
      lngRanges: [
        [west, 180],
        [-180, east - 360],
      ],
    };
  }
  return { ...box, lngRanges: [[west, east]] };
}
