import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  readTicketCode,
  shortCodeMatches,
  shortCodeRange,
  shortTicketCode,
  signTicketCode,
} from './ticket-codes.js';

const config = { ticketSigningSecret: 's'.repeat(40), jwtSecret: 'j'.repeat(40) };

describe('ticket codes', () => {
  it('round-trips a ticket id and is stable', () => {
    const id = randomUUID();
    const code = signTicketCode(config, id);
    expect(code).toMatch(/^MT1\.[\w-]{22}\.[\w-]{22}$/);
    expect(signTicketCode(config, id)).toBe(code);
    expect(readTicketCode(config, code)).toEqual({ kind: 'ok', ticketId: id });
  });

  it('refuses codes signed with another key, tampered tags and ids, and garbage', () => {
    const id = randomUUID();
    const code = signTicketCode(config, id);
    expect(readTicketCode({ ...config, ticketSigningSecret: 'x'.repeat(40) }, code).kind).toBe('forged');
    const [prefix, idPart, tag] = code.split('.') as [string, string, string];
    const other = signTicketCode(config, randomUUID()).split('.')[1]!;
    expect(readTicketCode(config, `${prefix}.${other}.${tag}`).kind).toBe('forged');
    const flipped = tag[0] === 'A' ? `B${tag.slice(1)}` : `A${tag.slice(1)}`;
    expect(readTicketCode(config, `${prefix}.${idPart}.${flipped}`).kind).toBe('forged');
    for (const bad of ['', 'MT1..', 'MT2.' + code.slice(4), code + 'x', id, 'MT1.' + idPart]) {
      expect(readTicketCode(config, bad).kind).toBe('malformed');
    }
  });

  it('derives a key from the JWT secret when no signing secret is set', () => {
    const dev = { ticketSigningSecret: undefined, jwtSecret: 'j'.repeat(40) };
    const id = randomUUID();
    const code = signTicketCode(dev, id);
    expect(readTicketCode(dev, code)).toEqual({ kind: 'ok', ticketId: id });
    expect(code).not.toBe(signTicketCode(config, id));
    expect(readTicketCode({ ...dev, jwtSecret: 'k'.repeat(40) }, code).kind).toBe('forged');
  });
});

describe('short ticket codes', () => {
  it('are ten Crockford characters, stable, and found by their locator range', () => {
    const id = randomUUID();
    const short = shortTicketCode(config, id);
    expect(short).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(shortTicketCode(config, id)).toBe(short);
    const range = shortCodeRange(short.toLowerCase().replace('-', ' '))!;
    expect(range.code).toBe(short.replace('-', ''));
    expect(id >= range.from && id <= range.to).toBe(true);
    expect(shortCodeMatches(config, id, range.code)).toBe(true);
  });

  it('forgive look-alikes and refuse other tickets, other keys and garbage', () => {
    const id = randomUUID();
    const short = shortTicketCode(config, id).replace('-', '');
    const typed = short.replace(/0/g, 'o').replace(/1/g, 'l');
    expect(shortCodeRange(typed)?.code).toBe(short);
    expect(shortCodeMatches(config, randomUUID(), short)).toBe(false);
    expect(shortCodeMatches({ ...config, ticketSigningSecret: 'x'.repeat(40) }, id, short)).toBe(false);
    for (const bad of ['', 'ABCDE', 'ABCDE-FGHJKL', 'ABCDE-FGHJU', 'MT1.x.y'])
      expect(shortCodeRange(bad)).toBeNull();
  });
});
