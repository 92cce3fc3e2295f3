// The loconet dashboard: reads the JSON API of the server that sent it and draws the pages.
// Every value from the ledger reaches the page through createTextNode or setAttribute, never as
// markup, so a miner named "<script>...</script>" shows as that text.
'use strict';
(function () {
  const main = document.getElementById('main');
  const live = document.getElementById('live');
  let fingerprint = null;
  let rendering = false;

  // el('td', {class: 'n'}, 'text', childNode, ...)
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === 'class') e.className = v; else e.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  async function get(path) {
    const r = await fetch(path, {cache: 'no-store'});
    const body = await r.json();
    if (!r.ok) throw new Error(body.message || (r.status + ' ' + r.statusText));
    return body;
  }

  const fixed = (ppb, digits) => (ppb / 1e9).toFixed(digits);
  const percent = (ppb) => (ppb >= 0 ? '+' : '') + (ppb / 1e7).toFixed(3) + '%';
  const or = (v, dash) => (v === null || v === undefined ? (dash || '–') : v);

  function table(headers, rows, numeric) {
    const head = el('tr', {}, ...headers.map((h) => el('th', {}, h)));
    const body = el('tbody');
    for (const row of rows) {
      const tr = el('tr', row.attrs || {});
      row.cells.forEach((c, i) => tr.append(el('td', numeric && numeric[i] ? {class: 'n'} : {}, c)));
      body.append(tr);
    }
    return el('table', {}, el('thead', {}, head), body);
  }

  function minerLink(hex, short) {
    return el('a', {href: '#/miner/' + hex, class: 'key', title: hex}, short);
  }

  function rejectionText(list) {
    return list.map((r) => r.reason + ' × ' + r.count).join(', ');
  }

  // A line plot of `series` (each {label, values, stroke}) against xs; marks the box with the
  // number of points and whether it was drawn, for tests and for people.
  function plot(parent, title, xs, series, xlabel, ylabel) {
    const box = el('div', {class: 'plot', 'data-title': title, 'data-points': xs.length});
    parent.append(box);
    if (typeof uPlot === 'undefined') {
      box.setAttribute('data-drawn', 'false');
      box.append(el('p', {class: 'warn'}, title + ': plots need uPlot, which this server could ' +
                    'not load (see the Ledger page); the numbers are in the tables.'));
      return;
    }
    if (xs.length === 0) {
      box.setAttribute('data-drawn', 'false');
      box.append(el('p', {class: 'empty'}, title + ': no data yet.'));
      return;
    }
    const width = Math.max(320, Math.min(560, (main.clientWidth || 1100) / 2 - 30));
    const opts = {
      title: title,
      width: width,
      height: 240,
      scales: {x: {time: false}},
      // Rounds and epochs are whole numbers: no ticks between them.
      axes: [{label: xlabel, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]},
             {label: ylabel, size: 70}],
      series: [{label: xlabel}].concat(series.map((s) => ({
        label: s.label, stroke: s.stroke, width: 2, points: {show: true, size: 5},
      }))),
    };
    new uPlot(opts, [xs].concat(series.map((s) => s.values)), box);
    box.setAttribute('data-drawn', 'true');
  }

  function lossPlot(parent, rounds) {
    const withLoss = rounds.filter((r) => r.heldout_loss !== null);
    plot(parent, 'Global held-out loss', withLoss.map((r) => r.round),
         [{label: 'loss (nats/token)', values: withLoss.map((r) => r.heldout_loss),
           stroke: '#1f6feb'}], 'round', 'loss');
  }

  async function rankingPage() {
    const [miners, rounds] = await Promise.all([get('/api/miners'), get('/api/rounds')]);
    const plots = el('div', {class: 'plots'});
    const out = [el('h2', {}, 'Ranking'),
      el('p', {}, miners.length + (miners.length === 1 ? ' miner' : ' miners') +
         ', ranked by EMA score, then rewards.')];
    // Several validators: the latest epoch's consensus weight and incentive (u16 proportions).
    const yuma = miners.some((m) => m.consensus !== undefined);
    const share = (v) => (v === undefined ? '–' : (v / 65535).toFixed(4));
    const rows = miners.map((m) => ({
      attrs: {'data-miner': m.miner},
      cells: [m.rank, minerLink(m.miner, m.short), m.name, fixed(m.ema_ppb, 4), m.rewards,
              m.rounds_submitted, m.rounds_accepted,
              m.rounds_submitted ? percent(m.last_improvement_ppb) : '–']
          .concat(yuma ? [share(m.consensus), share(m.incentive)] : [])
          .concat([rejectionText(m.rejections)]),
    }));
    out.push(el('div', {id: 'ranking'}, table(
        ['rank', 'miner', 'name', 'EMA score', 'rewards', 'submitted', 'accepted',
         'last improvement'].concat(yuma ? ['consensus', 'incentive'] : []).concat(['rejections']),
        rows, [1, 0, 0, 1, 1, 1, 1, 1].concat(yuma ? [1, 1] : []).concat([0]))));
    out.push(el('h2', {}, 'Training'), plots);
    main.replaceChildren(...out);
    lossPlot(plots, rounds);
  }

  async function minerPage(hex) {
    const p = await get('/api/miners/' + encodeURIComponent(hex));
    const r = p.row;
    const plots = el('div', {class: 'plots'});
    const facts = el('dl', {class: 'facts'},
        el('dt', {}, 'key'), el('dd', {class: 'key'}, p.miner),
        el('dt', {}, 'name'), el('dd', {id: 'miner-name'}, r.name || '–'),
        el('dt', {}, 'rank'), el('dd', {}, r.rank),
        el('dt', {}, 'EMA score'), el('dd', {}, fixed(r.ema_ppb, 4)),
        el('dt', {}, 'rewards'), el('dd', {}, r.rewards + ' units'),
        el('dt', {}, 'rounds'), el('dd', {}, r.rounds_submitted + ' scored, ' +
                                   r.rounds_accepted + ' accepted'));
    main.replaceChildren(
        el('h2', {}, 'Miner ', el('span', {class: 'key'}, r.short), ' ', r.name),
        facts, plots,
        el('h3', {}, 'Rejections'),
        p.rejections.length
            ? table(['round', 'reason', 'code'],
                    p.rejections.map((x) => ({cells: [x.round, x.reason, x.code]})), [1, 0, 1])
            : el('p', {}, 'None.'),
        el('h3', {}, 'Rounds'),
        table(['round', 'result', 'improvement', 'score', 'EMA', 'data average'],
              p.rounds.map((x) => ({cells: [x.round, x.reason, percent(x.improvement_ppb),
                                            fixed(x.score_ppb, 4), fixed(x.ema_ppb, 4),
                                            fixed(x.data_ppb, 3)]})),
              [1, 0, 1, 1, 1, 1]));
    const xs = p.rounds.map((x) => x.round);
    plot(plots, 'Score per round', xs, [
      {label: 'EMA', values: p.rounds.map((x) => x.ema_ppb / 1e9), stroke: '#1f6feb'},
      {label: 'round score', values: p.rounds.map((x) => x.score_ppb / 1e9), stroke: '#2da44e'},
    ], 'round', 'score');
    plot(plots, 'Rewards per epoch', p.rewards.map((x) => x.epoch),
         [{label: 'units', values: p.rewards.map((x) => x.units), stroke: '#bf8700'}],
         'epoch', 'units');
    plot(plots, 'Data-check factor', xs,
         [{label: 'data average', values: p.rounds.map((x) => x.data_ppb / 1e9), stroke: '#8250df'}],
         'round', 'factor');
  }

  async function networkPage() {
    const rounds = await get('/api/rounds');
    const plots = el('div', {class: 'plots'});
    const xs = rounds.map((r) => r.round);
    const num = (v) => (v === null ? null : v);
    main.replaceChildren(el('h2', {}, 'Network'), plots, el('h3', {}, 'Rounds'),
        table(['round', 'submitted', 'accepted', 'aggregated', 'held-out loss', 'kB received',
               'duration (s)', 'rejections', 'model'],
              rounds.map((r) => ({cells: [
                r.round, or(r.submitted), or(r.accepted), or(r.aggregated),
                r.heldout_loss === null ? '–' : r.heldout_loss.toFixed(4),
                r.bytes_received === null ? '–' : (r.bytes_received / 1000).toFixed(1),
                r.duration_ms === null ? '–' : (r.duration_ms / 1000).toFixed(1),
                Object.entries(r.rejections).map(([k, v]) => k + ' × ' + v).join(', '),
                el('code', {title: r.model_hash}, (r.model_hash || '').slice(0, 12))]})),
              [1, 1, 1, 1, 1, 1, 1, 0, 0]));
    lossPlot(plots, rounds);
    plot(plots, 'Submissions per round', xs, [
      {label: 'submitted', values: rounds.map((r) => num(r.submitted)), stroke: '#1f6feb'},
      {label: 'accepted', values: rounds.map((r) => num(r.accepted)), stroke: '#2da44e'},
      {label: 'aggregated', values: rounds.map((r) => num(r.aggregated)), stroke: '#bf8700'},
    ], 'round', 'miners');
    plot(plots, 'Bytes received per round', xs,
         [{label: 'kB', values: rounds.map((r) => (r.bytes_received === null ? null
                                                     : r.bytes_received / 1000)),
           stroke: '#8250df'}], 'round', 'kB');
    plot(plots, 'Round duration', xs,
         [{label: 'seconds', values: rounds.map((r) => (r.duration_ms === null ? null
                                                         : r.duration_ms / 1000)),
           stroke: '#cf222e'}], 'round', 's');
  }

  async function validatorsPage() {
    const vs = await get('/api/validators');
    main.replaceChildren(el('h2', {}, 'Validators'),
        el('p', {}, 'Agreement: model updates whose hash matches the one most validators ' +
           'recorded for the round. Stake, trust (validator trust), dividends and emission come ' +
           'from the latest Yuma consensus record; re-derived: rounds in which the validator ' +
           're-derived the lead\'s aggregate and agreed. A single validator has none.'),
        table(['validator', 'records', 'rounds scored', 'last round', 'agreement', 'stake',
               'trust', 'dividends', 'emission', 're-derived', 'head'],
              vs.map((v) => ({attrs: {'data-validator': v.validator}, cells: [
                el('span', {class: 'key', title: v.validator}, v.short), v.records,
                v.rounds_scored, or(v.last_round), v.agreeing_updates + ' / ' + v.model_updates,
                or(v.stake), v.trust === null ? '–' : v.trust.toFixed(4),
                v.dividends === null ? '–' : v.dividends.toFixed(4), or(v.emission),
                v.agreements === null ? '–' : v.agreements + ' / ' + (v.agreements + v.mismatches),
                el('code', {title: v.head_hash}, v.head_hash.slice(0, 12))]})),
              [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]));
  }

  async function ledgerPage() {
    const s = await get('/api/status');
    const verdict = !s.available ? el('span', {class: 'warn'}, 'not readable yet')
        : s.verified ? el('span', {class: 'ok', id: 'verified'}, 'verified')
        : el('span', {class: 'bad', id: 'verified'}, 'FAILS verification');
    const items = [el('dt', {}, 'ledger'), el('dd', {}, s.ledger),
                   el('dt', {}, 'status'), el('dd', {}, verdict)];
    if (s.first_fault) items.push(el('dt', {}, 'first fault'), el('dd', {}, s.first_fault));
    if (s.problem) items.push(el('dt', {}, 'problem'), el('dd', {}, s.problem));
    if (s.plots) items.push(el('dt', {}, 'plots'), el('dd', {class: 'warn'}, s.plots));
    if (s.available) {
      items.push(el('dt', {}, 'records'), el('dd', {}, s.records),
                 el('dt', {}, 'rounds'), el('dd', {}, s.rounds));
    }
    main.replaceChildren(el('h2', {}, 'Ledger'), el('dl', {class: 'facts'}, ...items),
        el('h3', {}, 'Chains'),
        table(['validator', 'height', 'head hash'],
              (s.authors || []).map((a) => ({cells: [
                el('span', {class: 'key', title: a.validator}, a.short), a.height,
                el('code', {}, a.head_hash)]})), [0, 1, 0]));
  }

  async function render() {
    if (rendering) return;
    rendering = true;
    const hash = location.hash || '#/';
    try {
      const m = hash.match(/^#\/miner\/([^/]+)$/);
      if (m) await minerPage(decodeURIComponent(m[1]));
      else if (hash === '#/network') await networkPage();
      else if (hash === '#/validators') await validatorsPage();
      else if (hash === '#/ledger') await ledgerPage();
      else await rankingPage();
      document.body.setAttribute('data-rendered', hash);
    } catch (e) {
      main.replaceChildren(el('h2', {}, 'Not available'), el('p', {class: 'warn'}, e.message));
      document.body.setAttribute('data-rendered', 'error');
    } finally {
      rendering = false;
    }
  }

  async function poll() {
    try {
      const s = await get('/api/status');
      const when = new Date().toLocaleTimeString();
      live.className = 'live';
      live.textContent = s.available
          ? (s.records + ' records, last round ' + or(s.last_round) + ' · ' +
             (s.verified ? 'verified' : 'NOT verified') + ' · ' + when)
          : 'waiting for the ledger · ' + when;
      if (s.fingerprint !== fingerprint) {
        fingerprint = s.fingerprint;
        await render();
      }
    } catch (e) {
      live.className = 'live stale';
      live.textContent = 'server unreachable: ' + e.message;
    }
    setTimeout(poll, 2000);
  }

  window.addEventListener('hashchange', render);
  poll();
})();
