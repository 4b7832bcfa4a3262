import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './io.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every client command takes. */
export const COMMON: Options = {
  json: { type: 'boolean' },
  key: { type: 'string' },
  url: { type: 'string' },
  operator: { type: 'boolean' },
};

/** Strict flag parsing: an unknown or malformed flag is a one-line usage error. */
export function parse(args: string[], options: Options, maxPositionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError((err as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, ''));
  }
  if (parsed.positionals.length > maxPositionals) throw new CliError(`unexpected argument "${parsed.positionals[maxPositionals]}"`);
  return { values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals: parsed.positionals };
}

/** A string flag, or undefined. */
export function str(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable flag, each value split on commas: `--to a --to b,c`. */
export function list(values: Record<string, unknown>, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v.flatMap((x: string) => x.split(',')).map((x) => x.trim()).filter(Boolean) : [];
}

/** A whole number flag within bounds, or undefined when absent. */
export function int(values: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new CliError(`--${name} must be a whole number from ${min} to ${max}`);
  return Number(v);
}

/** The one positional a command needs, named in the error when it is missing. */
export function need(positionals: string[], index: number, what: string, usage: string): string {
  const v = positionals[index];
  if (!v) throw new CliError(`${what} is required: ${usage}`);
  return v;
}
