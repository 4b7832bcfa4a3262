import { readFile } from 'node:fs/promises';
import { classifyFileResult } from '../../mail/bounces/cli-format.ts';
import { parseReport } from '../../mail/bounces/index.ts';

export interface ClassifyStreams {
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * `breakwater bounces classify FILE…`: one JSON line per bounced recipient of each file
 * (`{"file","recipient","hard","reason","status"}`), nothing for a file without a bounce.
 * An unreadable file gets one line on stderr and makes the exit code 1; the others still run.
 * Resolves the exit code.
 */
export async function classifyBounceFiles(files: string[], io: ClassifyStreams): Promise<number> {
  let code = 0;
  for (const file of files) {
    let raw: Uint8Array;
    try {
      raw = await readFile(file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      io.err(`breakwater: cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message}`);
      code = 1;
      continue;
    }
    for (const row of classifyFileResult(file, await parseReport(raw))) io.out(JSON.stringify(row));
  }
  return code;
}
