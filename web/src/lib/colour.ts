/**
 * Seat-type colours are the operator's choice: drawn on the dark seat map they must still be seen. A colour
 * with less than 3:1 contrast against the seat's background (WCAG 1.4.11, non-text contrast) is lightened
 * towards white until it has it; the hue stays recognisable.
 */
const SEAT_BACKGROUND = '#2b2638';
const MIN_CONTRAST = 3;

function channels(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1, 7), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrastRatio(a: string, b: string): number {
  const la = luminance(channels(a));
  const lb = luminance(channels(b));
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function toHex([r, g, b]: [number, number, number]): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** The colour as drawn on the seat map: the operator's, or lighter where that is too dark to see. */
export function visibleColour(colour: string, background = SEAT_BACKGROUND): string {
  if (!/^#[0-9a-fA-F]{6}$/.test(colour)) return '#ffffff';
  if (contrastRatio(colour, background) >= MIN_CONTRAST) return colour.toLowerCase();
  const rgb = channels(colour);
  for (let t = 0.05; t < 1; t += 0.05) {
    const mixed = rgb.map((c) => c + (255 - c) * t) as [number, number, number];
    const hex = toHex(mixed);
    if (contrastRatio(hex, background) >= MIN_CONTRAST) return hex;
  }
  return '#ffffff';
}
