/* global document */
// Renders the dashboard's tables and tiles. Every value goes in as text (textContent), never
// as markup: ids, reasons and subjects come from agents and must not become HTML.

/** An element with attributes, data-*, listeners and children (strings become text). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'data') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof globalThis.Node ? c : String(c));
  return el;
}

const fmt = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
export const num = (n) => (n === null || n === undefined ? '—' : fmt.format(n));
/** Milliseconds with precision where it matters: 0.04, 1.8, 86, 1000. */
const ms = (v) => (v < 10 ? v.toFixed(v < 1 ? 2 : 1) : String(Math.round(v)));
const short = (id) => (id && id.length > 14 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id ?? '—');

/** "in 59 min", "12 s ago": times relative to now, exact in the title. */
export function when(isoTime) {
  if (!isoTime) return h('span', { class: 'muted' }, 'never');
  const s = Math.round((Date.parse(isoTime) - Date.now()) / 1000);
  const a = Math.abs(s);
  const text = a < 60 ? `${a} s` : a < 3600 ? `${Math.round(a / 60)} min` : `${fmt.format(a / 3600)} h`;
  return h('span', { title: isoTime }, s >= 0 ? `in ${text}` : `${text} ago`);
}

function fill(tbody, rows, empty, columns) {
  tbody.replaceChildren(...(rows.length > 0 ? rows : [h('tr', { class: 'empty' }, h('td', { colspan: columns }, empty))]));
}

const badge = (state) => h('span', { class: `badge ${state}` }, state);

export function renderTiles(laneEl, lane) {
  const tile = (label, value, extra, compact) => h('div', { class: 'tile' }, h('span', { class: 'label' }, label), h('span', { class: compact ? 'value compact' : 'value' }, value), extra ? h('span', { class: 'extra' }, extra) : null);
  const l = lane.latency_ms;
  laneEl.querySelector('.tiles').replaceChildren(
    tile('requests / s', num(lane.rate_per_second.requests), `${num(lane.requests)} in 60 s`),
    tile('accepted / s', num(lane.rate_per_second.accepted)),
    tile('rejected / s', num(lane.rate_per_second.rejected), `${num(lane.rejected)} in 60 s`),
    tile('latency ms', l.p50 === null ? '—' : `${ms(l.p50)} · ${ms(l.p95)} · ${ms(l.p99)}`, 'p50 · p95 · p99', true),
  );
  laneEl.dataset.rejected = String(lane.rejected);
  const reasons = Object.entries(lane.rejections);
  laneEl.querySelector('.reasons').replaceChildren(...(reasons.length > 0
    ? reasons.map(([r, n]) => h('li', { data: { reason: r } }, h('span', { class: `swatch r-${r}` }), `${r} `, h('b', {}, num(n))))
    : [h('li', { class: 'muted' }, 'no rejections in the last 60 s')]));
}

export function renderIdentities(tbody, rows, act) {
  fill(tbody, rows.map((r) => {
    const q = r.quarantine[0];
    return h('tr', { data: { inboxId: r.id, rejected: r.traffic.rejected, state: r.reputation.state } },
      h('td', {}, h('div', {}, r.address), h('div', { class: 'muted small mono' }, r.id)),
      h('td', { class: 'mono small', title: r.org_id }, short(r.org_id)),
      h('td', {}, badge(r.reputation.state), r.reputation.state !== 'healthy' && r.reputation.bounce_rate !== undefined
        ? h('div', { class: 'muted small' }, `${num(r.reputation.bounce_rate * 100)} % bounced of ${num(r.reputation.sent)}`) : null),
      h('td', { class: 'num' }, num(r.traffic.requests)),
      h('td', { class: `num ${r.traffic.rejected > 0 ? 'hot' : ''}` }, num(r.traffic.rejected)),
      h('td', { class: 'num' }, num(r.traffic.rate_per_second)),
      h('td', { class: 'small' }, r.limits.send_burst > 0 ? `${r.limits.send}, burst ${r.limits.send_burst}` : r.limits.send),
      h('td', { class: 'small' }, q ? h('span', { class: 'badge quarantined' }, `${q.lane} · `, q.expires_at ? h('span', {}, 'ends ', when(q.expires_at)) : 'until released') : h('span', { class: 'muted' }, '—')),
      h('td', { class: 'actions' },
        q ? h('button', { class: 'small', 'data-action': 'release', onclick: () => act.release(q.id) }, 'Release')
          : h('button', { class: 'small warn', 'data-action': 'quarantine', onclick: () => act.quarantine('inbox', r.id) }, 'Quarantine'),
        h('button', { class: 'small ghost', 'data-action': 'resume', onclick: () => act.resume(r.id) }, 'Resume')),
    );
  }), 'no inboxes yet', 9);
}

/** Keys from every lane's top talkers, merged: requests and rejections over the last 60 s. */
export function renderTalkers(tbody, lanes, act) {
  const keys = new Map();
  for (const lane of Object.values(lanes)) {
    for (const [list, field] of [[lane.top_talkers.keys_by_volume, 'requests'], [lane.top_talkers.keys_by_rejections, 'rejected']]) {
      for (const t of list) {
        const k = keys.get(t.id) ?? { id: t.id, org: t.org_id, requests: 0, rejected: 0 };
        k[field] += t.count;
        keys.set(t.id, k);
      }
    }
  }
  const rows = [...keys.values()].sort((a, b) => b.rejected - a.rejected || b.requests - a.requests).slice(0, 8);
  fill(tbody, rows.map((k) => h('tr', { data: { keyId: k.id } },
    h('td', { title: `${k.id} (${k.org ?? 'no org'})` }, h('div', { class: 'mono small' }, short(k.id)), h('div', { class: 'mono small muted' }, short(k.org))),
    h('td', { class: 'num' }, num(k.requests)),
    h('td', { class: `num ${k.rejected > 0 ? 'hot' : ''}` }, num(k.rejected)),
    h('td', { class: 'actions' }, h('button', { class: 'small warn', onclick: () => act.quarantine('key', k.id) }, 'Quarantine')),
  )), 'no keyed traffic in the last 60 s', 4);
}

export function renderAnomalies(ul, anomalies) {
  ul.replaceChildren(...(anomalies.length > 0 ? anomalies.slice(0, 12).map((a) => h('li', { class: `anomaly ${a.kind}` },
    h('span', { class: `badge ${a.kind}` }, a.kind),
    h('span', { class: 'mono small' }, `${a.subject.kind} ${a.subject.id}`),
    h('span', { class: 'small' }, ` ${a.lane} · ${a.reason} ×${num(a.count)} · `, when(a.last_at)),
  )) : [h('li', { class: 'muted' }, 'quiet: nothing in the last 60 s')]));
}

export function renderQuarantine(tbody, entries, act) {
  fill(tbody, entries.map((e) => h('tr', { data: { quarantineId: e.id, target: e.target } },
    h('td', { title: e.target }, h('div', { class: 'small muted' }, e.kind), h('div', { class: 'mono small' }, short(e.target))),
    h('td', { class: 'nowrap' }, e.lane),
    h('td', { class: 'small' }, `${e.reason} (${e.source})`),
    h('td', { class: 'small' }, e.expires_at ? when(e.expires_at) : 'until released'),
    h('td', { class: 'actions' }, h('button', { class: 'small', 'data-action': 'release', onclick: () => act.release(e.id) }, 'Release')),
  )), 'nothing quarantined', 5);
}

export function renderQueues(tbody, edgeEl, snapshot) {
  fill(tbody, snapshot.queues.map((q) => h('tr', { data: { queue: q.queue, pending: q.pending } },
    h('td', {}, q.queue, q.fresh ? null : h('span', { class: 'muted small' }, ' (stale)')),
    h('td', { class: 'num' }, num(q.pending)),
    h('td', { class: 'num' }, q.oldest_age_seconds === null ? '—' : `${num(q.oldest_age_seconds)} s`),
  )), 'no queues', 3);
  const e = snapshot.edge;
  edgeEl.textContent = `In flight ${e.in_flight} of ${e.max_in_flight} · shed ${num(e.shed)} · ${e.quarantined} quarantined`;
}

export function renderDead(tbody, deliveries, act) {
  fill(tbody, deliveries.map((d) => h('tr', { data: { deliveryId: d.id } },
    h('td', {}, h('div', {}, d.event_type), h('div', { class: 'muted small mono' }, d.event_id)),
    h('td', { class: 'small' }, d.url),
    h('td', { class: 'num' }, num(d.attempt_count)),
    h('td', { class: 'small' }, d.last_error ?? (d.last_status ? `HTTP ${d.last_status}` : '—')),
    h('td', { class: 'actions' }, h('button', { class: 'small', onclick: () => act.replay(d.webhook_id, d.id) }, 'Replay')),
  )), 'no dead-lettered deliveries', 5);
}

export function renderSandbox(tbody, messages) {
  fill(tbody, messages.map((m) => h('tr', { data: { messageId: m.id } },
    h('td', { class: 'small' }, m.to.join(', ')),
    h('td', {}, m.subject || h('span', { class: 'muted' }, '(no subject)')),
    h('td', { class: 'mono small', title: m.inbox_id }, short(m.inbox_id)),
    h('td', { class: 'small' }, when(m.created_at)),
  )), 'no mail held', 4);
}
