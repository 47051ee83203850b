// The live dashboard: reads with the read token (asked once, kept in sessionStorage for this tab)
// and stays current through the /events stream (Server-Sent Events read with fetch, since an
// EventSource cannot send the token): a notice triggers a refresh of what it may change. No polling;
// the waiting and after-call-work timers tick in the page from the times the service gave.
const TOKEN_KEY = 'mluvii-state-read-token';
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem(TOKEN_KEY);
/** The service's clock minus this browser's, from /now: timers count in the service's time. */
let clockSkewMs = 0;
let queue = [];
let operators = [];
const anomalies = [];

const el = (tag, text, attrs = {}) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
};
const duration = (ms) => {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
};
const percent = (rate) => (rate === null ? '–' : `${(rate * 100).toFixed(1)} %`);
const serviceNow = () => Date.now() + clockSkewMs;

class Unauthorized extends Error {}

async function get(path) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (response.status === 401) throw new Unauthorized();
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

function tile(label, value) {
  const div = el('div', undefined, { class: 'tile' });
  div.append(el('span', label), el('strong', String(value)));
  return div;
}

function renderCounters(stats) {
  $('counters').replaceChildren(...Object.entries(stats.sessionsByStatus).map(([status, n]) => tile(status, n)),
    tile('operators', stats.operators), tile('anomalies', Object.values(stats.anomaliesByKind).reduce((a, b) => a + b, 0)));
}

function renderKpis(k) {
  $('kpis').replaceChildren(tile('offered', k.offered), tile('answered', k.answered), tile('abandoned', k.abandoned),
    tile(`service level (${k.serviceLevelSeconds} s)`, percent(k.serviceLevel)), tile('abandonment', percent(k.abandonmentRate)),
    tile('avg speed of answer', duration(k.averageSpeedOfAnswerMs)), tile('avg handle time', duration(k.averageHandleTimeMs)),
    tile('incomplete', k.incomplete));
}

/** Rows a table shows at most (a page stays quick with thousands waiting or online). */
const MAX_ROWS = 100;

function renderTimers() {
  const now = serviceNow();
  $('queue-count').textContent = queue.length > MAX_ROWS ? `(${queue.length}; the ${MAX_ROWS} longest shown)` : `(${queue.length})`;
  $('queue').replaceChildren(...queue.slice(0, MAX_ROWS).map((w) => {
    const tr = el('tr', undefined, { 'data-session': String(w.sessionId) });
    tr.append(el('td', String(w.sessionId)), el('td', w.groupId === null ? '–' : String(w.groupId)),
      el('td', duration(w.waitingMs === null ? null : w.waitingMs + (now - w.fetchedAt))));
    return tr;
  }));
  // Working operators first: those are what a supervisor watches.
  const shown = [...operators].sort((a, b) => b.sessions.length - a.sessions.length || a.userId - b.userId).slice(0, MAX_ROWS);
  $('operators-count').textContent = operators.length > MAX_ROWS ? `(${operators.length}; the ${MAX_ROWS} busiest shown)` : `(${operators.length})`;
  $('operators').replaceChildren(...shown.map((o) => {
    const tr = el('tr', undefined, { 'data-operator': String(o.userId) });
    const working = o.sessions.filter((s) => s.status === 'joined').map((s) => `${s.sessionId} (${duration(now - Date.parse(s.since))})`);
    const acw = o.sessions.filter((s) => s.status === 'after-call-work').map((s) => `${s.sessionId} (${duration(now - Date.parse(s.since))})`);
    tr.append(el('td', String(o.userId)), el('td', o.status ?? '–'), el('td', o.statusSince === null ? '–' : duration(now - Date.parse(o.statusSince))),
      el('td', working.join(', ') || '–'), el('td', acw.join(', ') || '–'));
    return tr;
  }));
}

function renderAnomalies() {
  const kind = $('kind').value;
  const shown = anomalies.filter((a) => kind === '' || a.kind === kind).slice(0, 200);
  $('anomalies').replaceChildren(...shown.map((a) => el('li', `${a.kind} · ${a.stream ?? 'delivery'} · ${a.message}`, { 'data-severity': a.severity, 'data-kind': a.kind })));
}

/** Today by the service's clock (a service replaying a capture runs on the capture's time). */
let today = null;

async function refresh() {
  const kpisOfToday = () => get(`/kpis?from=${today}&to=${today + 86_400_000}`);
  const [now, stats, ops, known] = await Promise.all([get('/now'), get('/stats'), get('/operators?limit=1000'), today === null ? null : kpisOfToday()]);
  const day = new Date(now.at);
  day.setHours(0, 0, 0, 0);
  let kpis = known;
  if (today !== day.getTime()) {
    today = day.getTime();
    kpis = await kpisOfToday();
  }
  clockSkewMs = Date.parse(now.at) - Date.now();
  const fetchedAt = serviceNow();
  queue = now.waiting.map((w) => ({ ...w, fetchedAt }));
  operators = ops.items;
  renderCounters(stats);
  renderKpis(kpis);
  renderTimers();
}

let pending = null;
/** Many notices in a burst: one refresh. */
function refreshSoon() {
  if (pending !== null) return;
  pending = setTimeout(() => {
    pending = null;
    refresh().catch(failed);
  }, 150);
}

async function follow() {
  const response = await fetch('/events', { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
  if (response.status === 401) throw new Unauthorized();
  if (!response.ok || response.body === null) throw new Error(`/events: ${response.status}`);
  setConnection('live', 'Live.');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the event stream ended');
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = message.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
      if (data === '') continue;
      const notice = JSON.parse(data);
      if (notice.type === 'anomaly-raised') {
        anomalies.unshift(notice.anomaly);
        anomalies.length = Math.min(anomalies.length, 1000);
        renderAnomalies();
      }
      refreshSoon();
    }
  }
}

function setConnection(state, text) {
  $('connection').dataset.state = state;
  $('connection').textContent = text;
}

function failed(error) {
  if (error instanceof Unauthorized) {
    sessionStorage.removeItem(TOKEN_KEY);
    token = null;
    $('board').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = 'The service refused this token.';
    setConnection('error', 'Not connected: the token was refused.');
    $('token').focus();
    return;
  }
  setConnection('error', `Connection lost (${error.message}); retrying.`);
  setTimeout(start, 3000);
}

async function start() {
  if (token === null) {
    $('login').hidden = false;
    $('token').focus();
    return;
  }
  try {
    await refresh();
    const initial = await get('/anomalies?order=newest&limit=200');
    anomalies.splice(0, anomalies.length, ...initial.items);
    renderAnomalies();
    $('login').hidden = true;
    $('board').hidden = false;
    await follow();
  } catch (error) {
    failed(error);
  }
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  token = $('token').value.trim();
  sessionStorage.setItem(TOKEN_KEY, token);
  $('login-error').textContent = '';
  void start();
});
$('kind').addEventListener('change', renderAnomalies);
setInterval(renderTimers, 1000);
void start();
