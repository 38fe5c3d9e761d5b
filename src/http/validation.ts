import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const base: Options = {
  allErrors: true,
  removeAdditional: false, // unknown fields are rejected by additionalProperties: false, never silently dropped
  useDefaults: true,
  strict: false,
  keywords: ['kind', 'modifier'], // TypeBox annotations
};

// Query strings and path params arrive as text and are coerced; JSON bodies must carry the right types.
const coercing = addFormats.default(new Ajv({ ...base, coerceTypes: 'array' }));
const strict = addFormats.default(new Ajv({ ...base, coerceTypes: false }));

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing;
  return ajv.compile(schema as object);
};
