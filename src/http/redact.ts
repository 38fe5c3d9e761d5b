import type { FastifyRequest } from 'fastify';

/** Query parameters whose values are credentials (the seat-stream token, anything token- or key-like). */
const SECRET_PARAM = /^(.*token|.*secret|password|passwd|api[_-]?key|key|signature|sig|code)$/i;

/** Whether a query parameter's name says it carries a credential (logged redacted). */
export function isCredentialParam(name: string): boolean {
  return SECRET_PARAM.test(name);
}

/** The URL with credential-carrying query values replaced, for logs. Never throws on malformed input. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // a malformed name is logged as it came
      }
      return eq >= 0 && SECRET_PARAM.test(name) ? `${rawName}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

/** Fastify's request serializer, with the URL redacted: every "incoming request" log line goes through it. */
export function serializeRequest(req: FastifyRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
