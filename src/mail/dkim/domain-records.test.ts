// Tests src/mail/domain-records.ts; kept in this folder while src/mail/ is shared.
import { describe, expect, it } from 'vitest';
import { domainRecords } from '../domain-records.ts';

const base = { domain: 'Agents.Example.com.', mxHost: 'mx.breakwater.example', selector: 'bw1', dkimTxt: 'v=DKIM1; k=rsa; p=MIIB' };

describe('domainRecords', () => {
  it('lists MX, SPF, DKIM and DMARC with absolute lowercase names', () => {
    expect(domainRecords(base)).toEqual([
      { type: 'MX', name: 'agents.example.com', value: 'mx.breakwater.example', priority: 10 },
      { type: 'TXT', name: 'agents.example.com', value: 'v=spf1 mx ~all' },
      { type: 'TXT', name: 'bw1._domainkey.agents.example.com', value: 'v=DKIM1; k=rsa; p=MIIB' },
      { type: 'TXT', name: '_dmarc.agents.example.com', value: 'v=DMARC1; p=quarantine; adkim=r; aspf=r' },
    ]);
  });

  it('includes the relay in SPF, adds the return-path CNAME and the DMARC report address when given', () => {
    const records = domainRecords({ ...base, spfInclude: '_spf.relay.example', returnPathHost: 'rp.relay.example', dmarcReports: 'dmarc@agents.example.com' });
    expect(records.find((r) => r.name === 'agents.example.com' && r.type === 'TXT')?.value).toBe('v=spf1 include:_spf.relay.example ~all');
    expect(records.find((r) => r.type === 'CNAME')).toEqual({ type: 'CNAME', name: 'bounces.agents.example.com', value: 'rp.relay.example' });
    expect(records.find((r) => r.name.startsWith('_dmarc.'))?.value).toBe('v=DMARC1; p=quarantine; adkim=r; aspf=r; rua=mailto:dmarc@agents.example.com');
  });

  it('publishes exactly one SPF record (RFC 7208 §4.5)', () => {
    expect(domainRecords(base).filter((r) => r.value.startsWith('v=spf1'))).toHaveLength(1);
  });
});
