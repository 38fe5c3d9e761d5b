/**
 * A theater's address for people: its street address and its city, each part once. Addresses are often typed
 * with the city already in them ("151 Mercer St, New York, NY 10012" in New York), sometimes twice
 * ("12 Main St, Springfield, Springfield IL"); the city is added only when no part names it, and a part that is
 * only the city is dropped when another part names it with more ("Springfield IL"), or repeats it.
 * Pure and import-free: the web app and the emails use the same rule.
 */
export function formatAddress(address: string, city: string): string {
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/[\s.]+/g, ' ')
      .trim();
  const c = norm(city);
  const parts = address
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const namesCity = (p: string) => c !== '' && (norm(p) === c || norm(p).startsWith(`${c} `));
  if (c !== '' && !parts.some(namesCity)) parts.push(city.trim());
  const hasMore = parts.some((p) => namesCity(p) && norm(p) !== c);
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const p of parts) {
    const key = norm(p);
    if (seen.has(key)) continue;
    if (key === c && hasMore) continue;
    seen.add(key);
    kept.push(p);
  }
  return kept.join(', ');
}
