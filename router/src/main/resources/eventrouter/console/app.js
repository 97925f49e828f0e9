// The console: a page per hash route, each built from the admin API alone and refreshed every
// POLL_MS. A read token sees no levers (and the API would refuse them anyway).
import { ApiError, call, get, post, seg, token } from './api.js';
import { History, format, spark } from './chart.js';
import { ago, badge, card, fill, h, table } from './dom.js';

const POLL_MS = 2000;
const history = new History();
let me = null; // {name, scope}
let page = null; // {refresh()} of the page shown
let timer = null;

const $ = (id) => document.getElementById(id);
const canOperate = () => me && me.scope === 'operate';

function showError(error) {
  fill($('status'), error ? (error.message || String(error)) : '');
}

// ---- signing in ----

async function start() {
  $('login').addEventListener('submit', async (event) => {
    event.preventDefault();
    token.set($('token').value.trim());
    $('token').value = '';
    await signIn();
  });
  $('logout').addEventListener('click', () => {
    token.clear();
    me = null;
    signedOut('');
  });
  window.addEventListener('hashchange', show);
  if (token.get()) {
    await signIn();
  } else {
    signedOut('');
  }
}

async function signIn() {
  try {
    me = await get('/admin/whoami');
  } catch (error) {
    token.clear();
    signedOut(error instanceof ApiError && error.status === 401
      ? 'That token is not valid.' : error.message);
    return;
  }
  $('login').hidden = true;
  $('nav').hidden = false;
  $('logout').hidden = false;
  fill($('who'), me.name + ' (' + me.scope + ')');
  if (!location.hash) location.hash = '#/destinations';
  clearInterval(timer);
  timer = setInterval(tick, POLL_MS);
  await show();
}

function signedOut(message) {
  clearInterval(timer);
  page = null;
  $('login').hidden = false;
  $('nav').hidden = true;
  $('logout').hidden = true;
  fill($('who'));
  fill($('view'));
  showError(null);
  fill($('login-error'), message);
}

async function tick() {
  try {
    history.add(await get('/admin/destinations'));
    if (page && page.refresh) await page.refresh();
    showError(null);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      token.clear();
      signedOut('The token is no longer valid.');
    } else {
      showError(error);
    }
  }
}

// ---- pages, by hash ----

const ROUTES = [
  [/^#\/destinations$/, destinationsPage],
  [/^#\/destination\/([^/]+)$/, destinationPage],
  [/^#\/pairs$/, pairsPage],
  [/^#\/pair\/([^/]+)\/([^/]+)$/, pairPage],
  [/^#\/job\/([^/]+)\/([^/]+)\/([^/]+)$/, jobPage],
  [/^#\/replays$/, replaysPage],
  [/^#\/dead-letters$/, deadLettersPage],
  [/^#\/registry$/, registryPage],
];

async function show() {
  if (!me) return;
  const hash = location.hash || '#/destinations';
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', hash.startsWith(a.getAttribute('href')));
  }
  for (const [pattern, build] of ROUTES) {
    const match = hash.match(pattern);
    if (match) {
      const view = fill($('view'));
      page = build(view, ...match.slice(1).map(decodeURIComponent));
      showError(null);
      try {
        if (page.refresh) await page.refresh();
      } catch (error) {
        showError(error);
      }
      return;
    }
  }
  fill($('view'), h('p', {}, 'No such page.'));
  page = null;
}

const link = (href, text) => h('a', { href }, text);
const pairHref = (s, d) => '#/pair/' + seg(s) + '/' + seg(d);

function breakerBadge(state) {
  const kind = state === 'CLOSED' ? 'good' : state === 'HALF_OPEN' ? 'warn' : 'bad';
  return badge(state === 'null' ? 'no attempts yet' : state, state === 'null' ? 'good' : kind);
}

/** A button that runs an action, shows its answer in `out`, and refreshes the page. */
function lever(label, out, run, { confirmText, kind } = {}) {
  return h('button', {
    type: 'button',
    class: kind || null,
    'data-lever': label,
    onclick: async (event) => {
      if (confirmText && !window.confirm(confirmText)) return;
      event.target.disabled = true;
      try {
        const answer = await run();
        fill(out, label + ': done ' + JSON.stringify(answer));
        out.className = 'result';
        if (page && page.refresh) await page.refresh();
      } catch (error) {
        fill(out, label + ': ' + error.message);
        out.className = 'error';
      } finally {
        event.target.disabled = false;
      }
    },
  }, label);
}

function destinationsPage(view) {
  const body = h('tbody');
  view.append(h('h1', {}, 'Destinations'),
    h('p', { class: 'muted' }, 'On this node; rates over the last ' + POLL_MS / 1000
      + ' s, charts over the last 5 minutes (while this page is open).'),
    table(['Destination', 'Backlog', 'Backlog chart', 'Delivered/s', 'Delivered chart',
      'Error rate', 'Breaker', 'Concurrency limit', 'Rate limit', 'Paused'], []));
  view.querySelector('table').replaceChild(body, view.querySelector('tbody'));
  return {
    async refresh() {
      // the history is fed by the poll alone: a second look a few milliseconds after the poll's
      // would make each rate the deliveries of those milliseconds, mostly 0
      const answer = await get('/admin/destinations');
      fill(body, answer.destinations.map((d) => {
        const latest = history.latest(d.destination) || {};
        return h('tr', { 'data-destination': d.destination },
          h('td', {}, link('#/destination/' + seg(d.destination), d.destination),
            d.enabled ? null : [' ', badge('disabled', 'warn')]),
          h('td', { class: 'num backlog' }, d.depth),
          h('td', {}, spark(history.of(d.destination), 'backlog', 'backlog')),
          h('td', { class: 'num rate' }, format(latest.rate)),
          h('td', {}, spark(history.of(d.destination), 'rate', 'delivered')),
          h('td', { class: 'num' }, latest.errors === null || latest.errors === undefined
            ? '–' : Math.round(latest.errors * 100) + ' %'),
          h('td', { class: 'breaker' }, breakerBadge(d.breaker)),
          // the destination's adaptive limit on this node once it has sent there, else the
          // configured one per pair
          h('td', { class: 'num' }, d.concurrencyLimit !== undefined
            ? d.concurrencyLimit + ' (' + d.concurrencyInUse + ' in use)'
            : d.maxInFlightPerPair + ' per pair'),
          h('td', { class: 'num' }, d.ratePerSecond || 'none'),
          h('td', { class: 'paused' }, d.paused ? badge('paused', 'warn') : 'no'));
      }));
    },
  };
}

function destinationPage(view, destination) {
  const cards = h('div', { class: 'cards' });
  const pairs = h('tbody');
  const out = h('p', { role: 'status' });
  view.append(h('h1', {}, 'Destination ', destination), cards);
  if (canOperate()) {
    const path = '/admin/destinations/' + seg(destination);
    view.append(h('div', { class: 'levers' },
      lever('Pause', out, () => post(path + '/pause')),
      lever('Resume', out, () => post(path + '/resume'))), out);
  }
  const routed = h('p', { id: 'routed-from' });
  view.append(h('h2', {}, 'Largest backlogs'),
    table(['Source', 'Depth'], []), h('h2', {}, 'Sources sending here'), routed);
  view.querySelector('table').replaceChild(pairs, view.querySelector('tbody'));
  view.append(h('h2', {}, 'Last 5 minutes'), h('div', { id: 'charts' }));
  return {
    async refresh() {
      const s = await get('/admin/destinations/' + seg(destination));
      fill(cards, card('Backlog', s.depth, 'depth'), card('Breaker', breakerBadge(s.breaker)),
        card('Paused', s.paused ? 'yes' : 'no', 'paused'), card('Sources', s.sources),
        card('Pairs with jobs', s.pairsWithJobs));
      fill(pairs, s.largestBacklogs.length ? s.largestBacklogs.map((b) => h('tr', {},
        h('td', {}, link(pairHref(b.source, destination), b.source)),
        h('td', { class: 'num' }, b.depth)))
        : h('tr', {}, h('td', { colspan: 2 }, 'No backlog on this node.')));
      fill(routed, s.routedFrom.map((source, i) => [i ? ', ' : null,
        link(pairHref(source, destination), source)]));
      const points = history.of(destination);
      fill(view.querySelector('#charts'),
        h('p', {}, 'Backlog ', spark(points, 'backlog', 'backlog', 480, 80)),
        h('p', {}, 'Delivered/s ', spark(points, 'rate', 'delivered', 480, 80)));
    },
  };
}

function pairsPage(view) {
  const body = h('tbody');
  view.append(h('h1', {}, 'Largest backlogs'),
    h('p', { class: 'muted' }, 'The pairs on this node holding the most jobs.'),
    table(['Source', 'Destination', 'Depth'], []));
  view.querySelector('table').replaceChild(body, view.querySelector('tbody'));
  return {
    async refresh() {
      const answer = await get('/admin/pairs?top=50');
      fill(body, answer.pairs.length ? answer.pairs.map((p) => h('tr', {},
        h('td', {}, link(pairHref(p.source, p.destination), p.source)),
        h('td', {}, link('#/destination/' + seg(p.destination), p.destination)),
        h('td', { class: 'num' }, p.depth)))
        : h('tr', {}, h('td', { colspan: 3 }, 'No pair holds jobs on this node.')));
    },
  };
}

function pairPage(view, source, destination) {
  const path = '/admin/pairs/' + seg(source) + '/' + seg(destination);
  const cards = h('div', { class: 'cards' });
  const jobs = h('tbody');
  const out = h('p', { role: 'status' });
  view.append(h('h1', {}, 'Pair ', source, ' → ',
    link('#/destination/' + seg(destination), destination)), cards);
  if (canOperate()) {
    const rate = h('input', { id: 'limit-rate', type: 'number', min: 0 });
    const inFlight = h('input', { id: 'limit-in-flight', type: 'number', min: 1 });
    const number = (input) => (input.value === '' ? null : Number(input.value));
    view.append(h('div', { class: 'levers' },
      lever('Pause', out, () => post(path + '/pause')),
      lever('Resume', out, () => post(path + '/resume')),
      lever('Retry now', out, () => post(path + '/retry-now')),
      lever('Flush to archive', out, () => post(path + '/flush'), {
        kind: 'danger',
        confirmText: 'Flush every job of ' + source + ' → ' + destination
          + ' to the archive? They will not be delivered unless replayed.',
      })),
    h('form', { class: 'inline', onsubmit: (e) => e.preventDefault() },
      h('strong', {}, 'Limits '), h('label', {}, 'Rate per second ', rate),
      h('label', {}, 'Max in flight ', inFlight),
      lever('Set limits', out, () => call('PUT', path + '/limits',
        { ratePerSecond: number(rate), maxInFlight: number(inFlight) })),
      lever('Clear limits', out, () => call('DELETE', path + '/limits'), { kind: 'secondary' })),
    out);
  }
  view.append(h('h2', {}, 'Latest jobs'), table(['Job', 'State', 'At'], []));
  view.querySelector('table').replaceChild(jobs, view.querySelector('tbody'));
  return {
    async refresh() {
      const s = await get(path);
      fill(cards, card('Depth', s.depth, 'depth'), card('In flight', s.inFlight),
        card('Awaiting retry', s.awaitingRetry),
        card('Oldest job', s.oldestJobAgeSeconds === undefined ? 'none'
          : s.oldestJobAgeSeconds + ' s old'),
        card('Paused', s.paused ? 'yes' : 'no', 'paused'), card('Breaker', breakerBadge(s.breaker)),
        card('Rate limit', s.ratePerSecond ? s.ratePerSecond + '/s' : 'none'),
        card('Max in flight', s.maxInFlight),
        card('Last error', s.lastError ? [s.lastError, ' (', ago(s.lastErrorAt), ')'] : 'none',
          'last-error'));
      const recent = await get(path + '/jobs');
      fill(jobs, recent.jobs.length ? recent.jobs.map((j) => h('tr', {},
        h('td', {}, h('a', { href: '#/job/' + seg(source) + '/' + seg(destination) + '/'
          + seg(j.id), class: 'job' }, j.id)),
        h('td', {}, j.state), h('td', {}, j.at, ' (', ago(j.at), ')')))
        : h('tr', {}, h('td', { colspan: 3 }, 'No job of this pair seen lately on this node.')));
    },
  };
}

function jobPage(view, source, destination, id) {
  const body = h('tbody');
  view.append(h('h1', {}, 'Job ', id),
    h('p', {}, link(pairHref(source, destination), source + ' → ' + destination)),
    table(['Step', 'At', 'Attempt', 'HTTP status', 'Error', 'Reason'], []));
  view.querySelector('table').replaceChild(body, view.querySelector('tbody'));
  return {
    async refresh() {
      const trace = await get('/admin/pairs/' + seg(source) + '/' + seg(destination)
        + '/jobs/' + seg(id));
      fill(body, trace.steps.map((s) => h('tr', { class: 'step' },
        h('td', {}, s.state), h('td', {}, s.at), h('td', { class: 'num' }, s.attempt),
        h('td', { class: 'num' }, s.httpStatus), h('td', {}, s.error),
        h('td', {}, s.reason, s.origin ? ' (' + s.origin + ')' : null,
          s.retryAt ? 'retry at ' + s.retryAt : null,
          s.replayOf ? 'replay of ' + s.replayOf : null))));
    },
  };
}

/** A form that starts a run (replay, re-drive) and a table watching the runs started here. */
function runsPage(view, { title, intro, fields, start, statusPath, storageKey, describe }) {
  const runs = JSON.parse(sessionStorage.getItem(storageKey) || '[]');
  const body = h('tbody');
  const out = h('p', { role: 'status' });
  view.append(h('h1', {}, title), h('p', { class: 'muted' }, intro));
  if (canOperate()) {
    const inputs = fields.map(([name, label, attrs]) => [name, h(attrs.options ? 'select' : 'input',
      { id: 'field-' + name, name, ...attrs, options: null },
      (attrs.options || []).map((o) => h('option', { value: o }, o)))]);
    view.append(h('form', { class: 'inline', onsubmit: (e) => e.preventDefault() },
      inputs.map(([name, input], i) => h('label', {}, fields[i][1], ' ', input)),
      lever('Start', out, async () => {
        const request = {};
        for (const [name, input] of inputs) {
          if (input.type === 'checkbox') request[name] = input.checked;
          else if (input.value !== '') request[name] = input.value;
        }
        const started = await post(start, request);
        runs.unshift(started.id);
        sessionStorage.setItem(storageKey, JSON.stringify(runs.slice(0, 20)));
        return { id: started.id, status: started.status };
      })), out);
  } else {
    view.append(h('p', {}, 'Starting one needs an operate token.'));
  }
  view.append(h('h2', {}, 'Started from this tab'),
    table(['Id', 'Status', 'Started', 'Request', 'Report'], []));
  view.querySelector('table').replaceChild(body, view.querySelector('tbody'));
  return {
    async refresh() {
      const rows = [];
      for (const id of runs) {
        try {
          const run = await get(statusPath + seg(id));
          rows.push(h('tr', { class: 'run' }, h('td', {}, run.id),
            h('td', { class: 'run-status' }, run.status), h('td', {}, ago(run.startedAt)),
            h('td', {}, describe(run.request)),
            // while it runs, the report so far (a replay tells it after each archive object)
            h('td', {}, run.report
              ? (run.status === 'RUNNING' ? 'so far: ' : '') + JSON.stringify(run.report)
              : run.error || 'running…')));
        } catch (error) {
          rows.push(h('tr', {}, h('td', {}, id), h('td', { colspan: 4 }, error.message)));
        }
      }
      fill(body, rows.length ? rows : h('tr', {}, h('td', { colspan: 5 }, 'None yet.')));
    },
  };
}

const hourAgo = () => new Date(Date.now() - 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
const inAMinute = () => new Date(Date.now() + 60 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

function replaysPage(view) {
  return runsPage(view, {
    title: 'Replays',
    intro: 'Put archived jobs of a destination (or of one pair) created in a time range back into'
      + ' their queues. Each job is replayed once unless forced.',
    fields: [['destination', 'Destination', { required: true }], ['source', 'Source (optional)', {}],
      ['from', 'From', { value: hourAgo() }], ['to', 'To', { value: inAMinute() }],
      ['force', 'Force', { type: 'checkbox' }]],
    start: '/admin/replay',
    statusPath: '/admin/replays/',
    storageKey: 'eventrouter.console.replays',
    describe: (r) => (r.source ? r.source + ' → ' : 'all → ') + r.destination + ', '
      + r.from + ' to ' + r.to + (r.force ? ', forced' : ''),
  });
}

function deadLettersPage(view) {
  return runsPage(view, {
    title: 'Dead letters',
    intro: 'Re-drive dead letters whose reason is fixed (a source added to the registry, a larger'
      + ' payload limit) back to the ingest topic. Each dead letter is re-driven once.',
    fields: [['reason', 'Reason', { options: ['unknown-source', 'payload-too-large', 'unprocessable'] }],
      ['source', 'Source (optional)', {}], ['from', 'Dead-lettered from', { value: hourAgo() }],
      ['to', 'to', { value: inAMinute() }]],
    start: '/admin/dead-letters/redrive',
    statusPath: '/admin/redrives/',
    storageKey: 'eventrouter.console.redrives',
    describe: (r) => r.reason + (r.source ? ' of ' + r.source : '') + ', ' + r.from + ' to ' + r.to,
  });
}

function registryPage(view) {
  view.append(h('h1', {}, 'Settings registry'));
  if (!canOperate()) {
    view.append(h('p', {}, 'The registry holds destinations\' headers, credentials among them:'
      + ' reading it needs an operate token.'));
    return {};
  }
  const text = h('textarea', { id: 'registry-text', spellcheck: 'false' });
  const out = h('p', { role: 'status' });
  const acknowledge = h('input', { id: 'acknowledge', placeholder: 'SECRET_A,SECRET_B' });
  const version = h('span', { class: 'muted' });
  view.append(version, text,
    h('p', {}, h('label', {}, 'Acknowledge secret moves (only if the API asked) ', acknowledge)),
    h('div', {}, lever('Save', out, () => call('PUT', '/admin/registry'
      + (acknowledge.value ? '?acknowledge-secret-move=' + seg(acknowledge.value) : ''),
    text.value, 'text/plain')),
    h('button', { type: 'button', class: 'secondary', onclick: load }, 'Reload')), out);
  async function load() {
    const current = await get('/admin/registry');
    text.value = current.text || '';
    fill(version, current.version ? 'Version ' + current.version + ', changed '
      + (current.changedAt || '') : 'The registry file (not replaced through the API yet).');
  }
  load().catch(showError);
  return {};
}

start();
