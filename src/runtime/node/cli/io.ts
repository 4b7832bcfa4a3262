/**
 * Output and failure conventions of the client commands: results on stdout (one JSON document
 * or line per item with --json, for scripts), progress on stderr, and any failure as one
 * readable line on stderr with exit code 1, never a stack.
 */
import { BreakwaterError } from '../../../sdk/index.ts';

/** A failure the user can fix (bad flag, missing key): its message is the whole story. */
export class CliError extends Error {}

/** A result line on stdout. */
export function out(line: string): void {
  process.stdout.write(line + '\n');
}

/** Progress and notices: stderr, so `--json` output stays parseable. */
export function note(line: string): void {
  process.stderr.write(line + '\n');
}

/** Progress of long work, for a person watching: only when stderr is a terminal. */
export function progress(line: string): void {
  if (process.stderr.isTTY) note(line);
}

/** A result as one JSON line on stdout (--json). */
export function json(value: unknown): void {
  out(JSON.stringify(value));
}

/** One line for any error: the API's detail, code, rule and fix; nothing multi-line gets through. */
export function errorLine(err: unknown): string {
  let text: string;
  if (err instanceof BreakwaterError) {
    const where = err.status ? `${err.status} ${err.code}` : err.code;
    const invalid = err.errors?.length ? `: ${err.errors.map((e) => `${e.path} ${e.message}`).join('; ')}` : '';
    text = `${err.detail}${invalid} (${where}${err.rule ? `, rule ${err.rule}` : ''})${err.fix ? ` — ${err.fix}` : ''}`;
  } else if (err instanceof CliError) {
    text = err.message;
  } else {
    text = `error: ${(err as Error)?.message ?? String(err)}`;
  }
  return `breakwater: ${text.replace(/\s*[\r\n]+\s*/g, ' ').trim()}`;
}
