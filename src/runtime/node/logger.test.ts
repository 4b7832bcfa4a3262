import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

describe('the Node logger', () => {
  it('redacts credentials wherever an object or an error nests them', () => {
    const out = capture();
    const logger = createLogger('debug', out);
    const key = 'bw_AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH';
    const err = Object.assign(new Error('request failed'), { config: { headers: { authorization: `Bearer ${key}`, cookie: 'bw_dashboard=v1.x' } } });
    logger.error({ err, req: { headers: { 'x-csrf-token': 'csrf-value-123456', Authorization: key } } }, 'boom');
    logger.info({ endpoint: { secret: 'whsec_c2VjcmV0' }, domain: { dkimPrivateKey: 'MIIEvQIBADANBg' }, relay: { auth: { pass: 'hunter2hunter2' } } }, 'objects');
    logger.info({ token: 'bwop_operator_token_value' }, 'flat');
    const text = out.lines.join('\n');
    for (const secret of [key, 'bw_dashboard=v1.x', 'csrf-value-123456', 'whsec_c2VjcmV0', 'MIIEvQIBADANBg', 'hunter2hunter2', 'bwop_operator_token_value']) {
      expect(text).not.toContain(secret);
    }
    expect(out.lines).toHaveLength(3);
    expect(text).toContain('request failed');
    expect(text.match(/\[redacted\]/g)!.length).toBe(8);
  });
});
