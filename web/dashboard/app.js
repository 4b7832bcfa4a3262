/* global document, window, fetch, EventSource, sessionStorage, setInterval, clearInterval */
// The operator dashboard. Signing in trades the operator token for an HttpOnly session cookie
// (POST /dashboard/login): the token is never kept by this page, so an injected script could
// not carry it away. The cookie rides along same-origin requests, EventSource included; unsafe
// methods add the session's CSRF token (not a credential on its own) in X-CSRF-Token.
import { LaneChart } from './chart.js';
import {
  renderAnomalies, renderDead, renderIdentities, renderQuarantine, renderQueues, renderSandbox, renderTalkers, renderTiles,
} from './tables.js';

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 5000;
const state = { csrf: sessionStorage.getItem('bw_csrf'), source: null, timer: null, charts: null };

/** A JSON call with the session cookie; the answer is `{ status, ok, data }`, never a throw for HTTP errors. */
async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['x-csrf-token'] = state.csrf;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try {
    data = await res.json();
  } catch {
    // 204 and non-JSON answers carry no body worth showing.
  }
  return { status: res.status, ok: res.ok, data };
}

function setStream(stateName, text) {
  $('stream-status').dataset.state = stateName;
  $('stream-text').textContent = text;
}

function showLogin(message = '') {
  stop();
  $('main-view').hidden = true;
  $('logout').hidden = true;
  $('login-view').hidden = false;
  $('login-error').textContent = message;
  $('token').focus();
}

function showMain() {
  $('login-view').hidden = true;
  $('main-view').hidden = false;
  $('logout').hidden = false;
  start();
}

function stop() {
  state.source?.close();
  state.source = null;
  clearInterval(state.timer);
  state.timer = null;
  setStream('off', 'offline');
}

function start() {
  state.charts ??= { inbound: new LaneChart($('chart-inbound')), outbound: new LaneChart($('chart-outbound')) };
  const source = new EventSource('/v1/telemetry/stream');
  state.source = source;
  source.addEventListener('open', () => setStream('live', 'live'));
  source.addEventListener('snapshot', (e) => onSnapshot(JSON.parse(e.data)));
  source.addEventListener('error', async () => {
    setStream('retry', 'reconnecting…');
    // EventSource hides the status: ask whether the session itself has ended.
    const check = await api('GET', '/dashboard/session');
    if (check.ok && !check.data?.csrf_token) showLogin('Your session has ended; sign in again.');
  });
  void refresh();
  state.timer = setInterval(() => void refresh(), REFRESH_MS);
}

function onSnapshot(s) {
  const t = Date.parse(s.at) / 1000;
  for (const lane of ['inbound', 'outbound']) {
    state.charts[lane].push(t, s.totals[lane]);
    renderTiles($(`lane-${lane}`), s.lanes.lanes[lane]);
  }
  renderTalkers($('talkers').tBodies[0], s.lanes.lanes, actions);
  renderAnomalies($('anomalies'), s.lanes.anomalies);
  renderQueues($('queues').tBodies[0], $('edge'), s);
}

/** The tables that come from the store, every few seconds and after each action. */
async function refresh() {
  const [identities, quarantine, dead, sandbox] = await Promise.all([
    api('GET', '/v1/admin/inboxes?limit=50'),
    api('GET', '/v1/quarantine'),
    api('GET', '/v1/admin/webhook-deliveries?status=dead&limit=20'),
    api('GET', '/v1/admin/messages?status=sandboxed&limit=10'),
  ]);
  if ([identities, quarantine, dead, sandbox].some((r) => r.status === 401)) return showLogin('Your session has ended; sign in again.');
  if (identities.ok) renderIdentities($('identities').tBodies[0], identities.data.data, actions);
  if (quarantine.ok) renderQuarantine($('quarantine').tBodies[0], quarantine.data.data, actions);
  if (dead.ok) renderDead($('dead').tBodies[0], dead.data.data, actions);
  if (sandbox.ok) renderSandbox($('sandbox').tBodies[0], sandbox.data.data);
}

/** Shows what the server answered to an action, problem details included. */
function showResult(action, res) {
  const el = $('action-result');
  el.hidden = false;
  el.dataset.action = action;
  el.dataset.status = String(res.status);
  el.className = `action-result ${res.ok ? 'ok' : 'err'}`;
  const detail = res.ok ? `done${res.data?.state ? ` (reputation ${res.data.state})` : ''}` : `${res.data?.code ?? 'error'}: ${res.data?.detail ?? 'no detail'}`;
  el.textContent = `${action} → ${res.status} ${detail}`;
}

const actions = {
  async quarantine(kind, target) {
    const res = await api('POST', '/v1/quarantine', { kind, target, lane: 'outbound', reason: 'operator action from the dashboard', ttl_seconds: 3600 });
    showResult(`quarantine ${kind} ${target}`, res);
    await refresh();
  },
  async release(id) {
    showResult(`release ${id}`, await api('DELETE', `/v1/quarantine/${encodeURIComponent(id)}`));
    await refresh();
  },
  async resume(inboxId) {
    showResult(`resume ${inboxId}`, await api('POST', `/v1/inboxes/${encodeURIComponent(inboxId)}/reputation/resume`));
    await refresh();
  },
  async replay(webhookId, deliveryId) {
    showResult(`replay ${deliveryId}`, await api('POST', `/v1/admin/webhooks/${encodeURIComponent(webhookId)}/deliveries/${encodeURIComponent(deliveryId)}/replay`));
    await refresh();
  },
};

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $('token');
  const res = await api('POST', '/dashboard/login', { token: input.value.trim() });
  input.value = '';
  if (!res.ok) return showLogin(res.data?.detail ?? `sign-in failed (${res.status})`);
  state.csrf = res.data.csrf_token;
  sessionStorage.setItem('bw_csrf', state.csrf);
  showMain();
});

$('logout').addEventListener('click', async () => {
  await api('POST', '/dashboard/logout');
  sessionStorage.removeItem('bw_csrf');
  state.csrf = null;
  showLogin();
});

window.addEventListener('DOMContentLoaded', async () => {
  const session = await api('GET', '/dashboard/session');
  if (session.status !== 200 || !session.data?.csrf_token) return showLogin();
  state.csrf = session.data.csrf_token;
  sessionStorage.setItem('bw_csrf', state.csrf);
  showMain();
});
