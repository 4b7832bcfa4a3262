import type { z } from 'zod';
import { BreakwaterError } from '../../core/errors.ts';

/** Validates with zod and turns its issues into the `errors: [{path, message}]` of DESIGN §4. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.slice(0, 20).map((i) => ({
    path: i.path.length > 0 ? i.path.map(String).join('.') : where,
    message: i.message,
  }));
  throw new BreakwaterError('validation_failed', `the ${where} does not match the schema`, { errors });
}

/** Parses JSON text; any failure is the client's (400 invalid_json), never a 500. */
export function parseJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new BreakwaterError('invalid_json', 'the body is not valid UTF-8');
  }
  if (text.trim() === '') throw new BreakwaterError('invalid_json', 'the body is empty; a JSON object is required');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BreakwaterError('invalid_json', `the body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}
