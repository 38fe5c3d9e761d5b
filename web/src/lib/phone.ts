/** The country a phone number typed without + is read in: the browser's, else the US. */
export function browserCountry(): string {
  for (const lang of navigator.languages ?? [navigator.language]) {
    try {
      const region = new Intl.Locale(lang).maximize().region;
      if (region && /^[A-Z]{2}$/.test(region)) return region;
    } catch {
      // not a locale tag: try the next one
    }
  }
  return 'US';
}

export function countryName(country: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' }).of(country) ?? country;
  } catch {
    return country;
  }
}

/**
 * Checks a number as typed with libphonenumber-js (loaded only when someone types one) before it is sent; the
 * API parses it again with the full metadata and has the last word.
 */
export async function checkPhone(input: string, country: string): Promise<{ ok: boolean; e164?: string }> {
  const { parsePhoneNumberFromString } = await import('libphonenumber-js/min');
  const parsed = parsePhoneNumberFromString(input, { defaultCountry: country as never, extract: false });
  return parsed?.isValid() ? { ok: true, e164: parsed.number } : { ok: false };
}
