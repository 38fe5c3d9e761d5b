import {
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
  type CountryCode,
} from 'libphonenumber-js/max';
import { InvalidPhoneError } from './accounts.errors.js';

/** The country a national number (212-555-0199) is read in when the client sends none. */
export const DEFAULT_PHONE_COUNTRY = 'US';

/**
 * A phone number as people type it ("212-555-0199", "(212) 555 0199", "+44 20 7946 0018"), read with
 * libphonenumber-js's full metadata in `country` unless it starts with +, and returned in E.164, the only form
 * stored (SMS providers want it). Anything libphonenumber does not call a valid number is refused with
 * 400 INVALID_PHONE, naming the field and why.
 */
export function parsePhone(
  input: string,
  country: string = DEFAULT_PHONE_COUNTRY,
  field = 'body.phone',
): string {
  const region = country.toUpperCase() as CountryCode;
  const parsed = parsePhoneNumberFromString(input, { defaultCountry: region, extract: false });
  if (parsed?.isValid()) return parsed.number;
  let reason: string;
  try {
    // A number of the right length can still be invalid: no such area code.
    reason = validatePhoneNumberLength(input, region) ?? 'INVALID_NUMBER';
  } catch {
    reason = 'INVALID_COUNTRY';
  }
  throw new InvalidPhoneError(field, reason);
}
