import { useEffect, useRef, useState } from 'react';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { api } from '../api/client';

type MapState =
  { kind: 'loading' } | { kind: 'off'; why: string } | { kind: 'ready' } | { kind: 'failed'; why: string };

/** How long the first tile may take before the map is given up on (a tile server that is not reachable). */
const FIRST_TILE_TIMEOUT_MS = 8000;

/** A pin that is a styled element (no marker images to bundle), draggable like Leaflet's own. */
const PIN = L.divIcon({
  className: 'map-pin',
  html: '<span aria-hidden="true"></span>',
  iconSize: [24, 24],
  iconAnchor: [12, 24],
});

/**
 * A map to place the theater: click or drag the pin to set latitude and longitude. Shown only when the deployment
 * configured a tile server (MAP_TILE_URL) and its tiles load; otherwise a note says why, and the latitude and
 * longitude fields beside it (always there) are the way to enter the location.
 */
export function MapPicker({
  lat,
  lng,
  onPick,
}: {
  lat: number | null;
  lng: number | null;
  onPick: (lat: number, lng: number) => void;
}) {
  const [state, setState] = useState<MapState>({ kind: 'loading' });
  const [tiles, setTiles] = useState<{ url: string; attribution: string | null } | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const pin = useRef<L.Marker | null>(null);
  const pickRef = useRef(onPick);
  pickRef.current = onPick;

  useEffect(() => {
    const ctrl = new AbortController();
    api
      .webConfig(ctrl.signal)
      .then((c) => {
        if (!c.map) setState({ kind: 'off', why: 'No map tile server is configured for this deployment.' });
        else setTiles({ url: c.map.tileUrl, attribution: c.map.attribution });
      })
      .catch(() => {
        if (!ctrl.signal.aborted) setState({ kind: 'off', why: 'The map settings could not be loaded.' });
      });
    return () => ctrl.abort();
  }, []);

  useEffect(() => {
    if (!tiles || !box.current) return;
    const start: L.LatLngExpression = lat !== null && lng !== null ? [lat, lng] : [39.5, -98.35];
    const m = L.map(box.current, { center: start, zoom: lat !== null ? 15 : 4, keyboard: true });
    map.current = m;
    let loaded = false;
    const giveUp = (why: string) => {
      if (loaded) return;
      setState({ kind: 'failed', why });
    };
    const layer = L.tileLayer(tiles.url, {
      maxZoom: 19,
      ...(tiles.attribution ? { attribution: tiles.attribution } : {}),
    });
    layer.on('tileload', () => {
      if (!loaded) {
        loaded = true;
        setState({ kind: 'ready' });
      }
    });
    layer.on('tileerror', () => giveUp('The map tiles could not be loaded from the tile server.'));
    layer.addTo(m);
    const timer = window.setTimeout(
      () => giveUp('The map tile server did not answer in time.'),
      FIRST_TILE_TIMEOUT_MS,
    );
    m.on('click', (e: L.LeafletMouseEvent) => pickRef.current(round(e.latlng.lat), round(e.latlng.lng)));
    return () => {
      window.clearTimeout(timer);
      m.remove();
      map.current = null;
      pin.current = null;
    };
    // The map is made once per tile configuration; the pin follows lat/lng below.
  }, [tiles]);

  useEffect(() => {
    const m = map.current;
    if (!m) return;
    if (lat === null || lng === null) {
      pin.current?.remove();
      pin.current = null;
      return;
    }
    if (!pin.current) {
      const p = L.marker([lat, lng], {
        icon: PIN,
        draggable: true,
        title: 'Theater location',
        keyboard: false,
      });
      p.on('dragend', () => {
        const at = p.getLatLng();
        pickRef.current(round(at.lat), round(at.lng));
      });
      p.addTo(m);
      pin.current = p;
      m.setView([lat, lng], Math.max(m.getZoom(), 15));
    } else {
      pin.current.setLatLng([lat, lng]);
      if (!m.getBounds().contains([lat, lng])) m.panTo([lat, lng]);
    }
  }, [lat, lng, state.kind]);

  if (state.kind === 'off' || state.kind === 'failed') {
    return (
      <p className="field-hint" data-testid="map-fallback" role="status">
        {state.why} Enter the latitude and longitude (copy them from any map).
      </p>
    );
  }
  return (
    <div className="map-picker">
      <div
        ref={box}
        className="map-box"
        data-testid="map"
        role="application"
        aria-label="Map: click or drag the pin to set the theater's location"
        aria-describedby="map-help"
      />
      <p id="map-help" className="field-hint" aria-live="polite">
        {state.kind === 'loading'
          ? 'Loading the map…'
          : 'Click the map or drag the pin to set the location; the fields below follow. Arrow keys pan the map.'}
      </p>
    </div>
  );
}

/** Six decimals: about 10 cm, more than a theater's door needs. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
