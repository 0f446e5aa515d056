// Stardust's partner-search page (docs/API.md, "Web page").
//
// Plain JavaScript, no framework and no build step: the daemon serves this
// file as it is. Everything shown comes from the node's JSON API (/api/...)
// and goes into the page through textContent and DOM nodes, never through
// innerHTML, so a member's name or description cannot inject markup.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';
  const CHART_LIMIT = 1000; // hits fetched for the per-country chart

  // ---- small DOM helpers ----

  // el('li', {class: 'x', 'data-id': id}, child, 'text', ...): a new element.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k === 'onclick') e.addEventListener('click', v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
    }
    return e;
  }

  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    return e;
  }

  function clear(e) {
    while (e.firstChild) e.removeChild(e.firstChild);
  }

  function short(key) {
    return typeof key === 'string' ? key.slice(0, 8) : '';
  }

  // "FI, se  LT" -> ["FI", "SE", "LT"]
  function splitList(s, upper) {
    return s.split(/[\s,;]+/).filter(Boolean).map((v) => (upper ? v.toUpperCase() : v));
  }

  function ago(ms) {
    if (!ms) return 'never';
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (s < 90) return s + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }

  // ---- the API ----

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  // api(path, params): the decoded JSON answer, or an ApiError carrying the
  // node's error.message (docs/API.md: every error is JSON).
  async function api(path, params) {
    const qs = params && params.toString();
    const url = path + (qs ? '?' + qs : '');
    let resp;
    try {
      resp = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    } catch (e) {
      throw new ApiError('The node did not answer (' + e.message + ').', 0);
    }
    let body = null;
    try {
      body = await resp.json();
    } catch (e) {
      throw new ApiError('HTTP ' + resp.status + ': the answer is not JSON.', resp.status);
    }
    if (!resp.ok || (body && body.error)) {
      const msg = body && body.error && body.error.message ? body.error.message : 'request failed';
      throw new ApiError(msg, resp.status);
    }
    return body;
  }

  function showError(box, err) {
    if (!err) {
      box.hidden = true;
      clear(box);
      return;
    }
    clear(box);
    const status = err.status ? 'Error ' + err.status + ': ' : 'Error: ';
    box.append(el('strong', { text: status }), el('span', { 'data-testid': 'error-message', text: err.message }));
    box.hidden = false;
  }

  // ---- tabs ----

  function showTab(name) {
    for (const t of ['search', 'consortium']) {
      $('tab-' + t).setAttribute('aria-selected', String(t === name));
      $('view-' + t).hidden = t !== name;
    }
  }
  $('tab-search').addEventListener('click', () => showTab('search'));
  $('tab-consortium').addEventListener('click', () => showTab('consortium'));

  // ---- filters ----

  // The filter parameters of the search form, or of the consortium form.
  function filterParams(p, ids) {
    const countries = splitList($(ids.country).value, true);
    if (countries.length) p.set('country', countries.join(','));
    if (ids.region) {
      const regions = splitList($(ids.region).value, true);
      if (regions.length) p.set('region', regions.join(','));
    }
    if (ids.sector) {
      const sectors = splitList($(ids.sector).value, false);
      if (sectors.length) p.set('sector', sectors.join(','));
    }
    if ($(ids.kind).value) p.set('kind', $(ids.kind).value);
    if ($(ids.size).value) p.set('size', $(ids.size).value);
    if (ids.cross && $(ids.cross).checked) p.set('cross_border', 'true');
    return p;
  }
  const SEARCH_FILTERS = {
    country: 'f-country', region: 'f-region', sector: 'f-sector',
    kind: 'f-kind', size: 'f-size', cross: 'f-cross',
  };

  // ---- results ----

  // What the list shows now: a search or a member's partners; paging
  // repeats the same request with the answer's `next` cursor.
  let current = null; // {path, params, title, match}
  let generation = 0; // answers of an older request are dropped

  function nodeLabel(m) {
    const name = m.node || 'unnamed node';
    return name + ' (' + short(m.origin) + ')';
  }

  function hitItem(h, match) {
    const why = el('ul', { class: 'matched', 'aria-label': 'why it matched', 'data-testid': 'matched' });
    for (const w of h.matched || []) {
      const i = w.indexOf(':');
      why.append(el('li', { title: 'the word ' + w.slice(i + 1) + ' in ' + w.slice(0, i) },
        el('span', { class: 'field', text: w.slice(0, i) }), ' ', el('b', { text: w.slice(i + 1) })));
    }
    const name = el('button', {
      type: 'button', class: 'name', 'data-testid': 'result-name', text: h.name,
      onclick: () => openMember(h.id, h.origin),
    });
    const facts = el('p', { class: 'facts' },
      el('span', { class: 'country', 'data-testid': 'result-country', title: 'country', text: h.country }),
      el('span', { class: 'kind', 'data-testid': 'result-kind', text: h.kind }),
      h.size ? el('span', { class: 'size', 'data-testid': 'result-size', text: h.size + (h.employees !== undefined ? ' (' + h.employees + ')' : '') }) : null,
      h.city ? el('span', { class: 'city', text: h.city + (h.region ? ', ' + h.region : '') }) : null,
      el('span', { class: 'node', 'data-testid': 'result-node', title: 'published by ' + (h.origin || ''), text: 'from ' + nodeLabel(h) }));
    const li = el('li', { class: 'result', 'data-testid': 'result', 'data-id': h.id, 'data-origin': h.origin },
      name, facts);
    if (h.description) li.append(el('p', { class: 'desc', text: h.description }));
    if (match) {
      li.append(el('p', { class: 'scores' },
        el('span', { text: 'their offers meet its needs: ' + h.score_offers.toFixed(1) }),
        el('span', { text: 'their needs meet its offers: ' + h.score_seeks.toFixed(1) })));
    }
    li.append(why);
    return li;
  }

  async function runList(req, append, cursor) {
    const gen = ++generation;
    const p = new URLSearchParams(req.params);
    p.set('limit', req.limit);
    if (cursor) p.set('cursor', cursor);
    showError($('error'), null);
    $('more').disabled = true;
    if (!append) {
      showDetail(false);
      $('summary').textContent = 'Searching…';
    }
    let ans;
    try {
      ans = await api(req.path, p);
    } catch (e) {
      if (gen !== generation) return;
      showError($('error'), e);
      $('summary').textContent = '';
      if (!append) {
        clear($('results'));
        $('more').hidden = true;
        chartClear('No chart: the request failed.');
      }
      $('more').disabled = false;
      return;
    }
    if (gen !== generation) return;
    if (!append) clear($('results'));
    for (const h of ans.hits) $('results').append(hitItem(h, req.match));
    const count = $('results').children.length;
    $('summary').textContent = req.title + ': ' + ans.total + (ans.total === 1 ? ' result' : ' results') +
      (count < ans.total ? ', showing ' + count : '');
    $('summary').dataset.total = String(ans.total);
    current = Object.assign({}, req, { next: ans.next });
    $('more').hidden = !ans.next;
    $('more').disabled = false;
    if (!append) chartLoad(req, gen, ans);
  }

  function search() {
    const p = filterParams(new URLSearchParams(), SEARCH_FILTERS);
    const q = $('q').value.trim();
    if (q) p.set('q', q);
    const title = q ? 'Search for ' + q : 'Every member' + (p.toString() ? ' matching the filters' : '');
    runList({ path: '/api/search', params: p.toString(), title: title, match: false, limit: $('f-limit').value }, false);
  }

  $('search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    search();
  });
  $('more').addEventListener('click', () => {
    if (current && current.next) runList(current, true, current.next);
  });

  // ---- the per-country chart ----
  //
  // Drawn by hand as SVG rectangles: a chart library would be larger than
  // this whole page and would have to be vendored (no CDNs).

  function chartClear(caption) {
    clear($('chart'));
    $('chart-caption').textContent = caption;
  }

  async function chartLoad(req, gen, first) {
    let hits = first.hits;
    // The page has a few hits; for more, ask once for up to
    // CHART_LIMIT (the same query) and count those.
    if (first.next) {
      const p = new URLSearchParams(req.params);
      p.set('limit', String(CHART_LIMIT));
      try {
        hits = (await api(req.path, p)).hits;
      } catch (e) {
        if (gen === generation) chartClear('No chart: ' + e.message);
        return;
      }
      if (gen !== generation) return;
    }
    const counts = new Map();
    for (const h of hits) counts.set(h.country, (counts.get(h.country) || 0) + 1);
    const caption = hits.length < first.total
      ? 'The first ' + hits.length + ' of ' + first.total + ' results, by country.'
      : first.total + (first.total === 1 ? ' result' : ' results') + ' by country. Click a bar to keep only that country.';
    chartDraw(counts, caption);
  }

  function chartDraw(counts, caption) {
    const box = $('chart');
    clear(box);
    $('chart-caption').textContent = caption;
    const rows = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    if (!rows.length) {
      $('chart-caption').textContent = 'No results to chart.';
      return;
    }
    const max = rows[0][1];
    const rowH = 24, labelW = 36, countW = 40, width = 320;
    const barMax = width - labelW - countW;
    const s = svg('svg', {
      viewBox: '0 0 ' + width + ' ' + rows.length * rowH, width: '100%',
      role: 'group', 'aria-label': 'results per country', 'data-testid': 'chart-svg',
    });
    rows.forEach(([country, n], i) => {
      const y = i * rowH;
      const w = Math.max(2, Math.round((n / max) * barMax));
      const g = svg('g', {
        class: 'bar', role: 'button', tabindex: '0', 'data-country': country, 'data-count': n,
        'aria-label': country + ': ' + n + (n === 1 ? ' result' : ' results') + '; keep only ' + country,
      });
      const label = svg('text', { x: 0, y: y + 16, class: 'bar-label' });
      label.textContent = country;
      const title = svg('title', {});
      title.textContent = country + ': ' + n;
      const rect = svg('rect', { x: labelW, y: y + 4, width: w, height: rowH - 8, rx: 3 });
      const num = svg('text', { x: labelW + w + 6, y: y + 16, class: 'bar-count' });
      num.textContent = String(n);
      g.append(title, label, rect, num);
      const pick = () => {
        $('f-country').value = country;
        showTab('search');
        search();
      };
      g.addEventListener('click', pick);
      g.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          pick();
        }
      });
      s.append(g);
    });
    box.append(s);
  }

  // ---- member detail ----

  let shown = null; // the member in the detail view

  function showDetail(on) {
    $('detail').hidden = !on;
    $('results-view').hidden = on;
  }

  const FIELDS = [
    ['kind', 'Kind'], ['country', 'Country'], ['region', 'Region (NUTS)'], ['city', 'City'],
    ['description', 'Description'], ['sectors', 'Sectors (NACE)'], ['capabilities', 'Capabilities'],
    ['offers', 'Offers'], ['seeks', 'Seeks'], ['employees', 'Employees'], ['size', 'Size'],
    ['founded', 'Founded'], ['website', 'Website'], ['email', 'E-mail'], ['phone', 'Phone'],
    ['languages', 'Languages'], ['memberships', 'Member of'], ['id', 'Id'], ['node', 'Published by'],
    ['origin', 'Node key'], ['seq', 'Record seq'],
  ];

  function fieldValue(m, k) {
    const v = m[k];
    if (k === 'memberships') {
      const span = el('span');
      for (const id of v) span.append(el('button', { type: 'button', class: 'link', text: id, onclick: () => openMember(id) }), ' ');
      return span;
    }
    if (k === 'website' && /^https?:\/\//i.test(v)) return el('a', { href: v, rel: 'noopener noreferrer', text: v });
    if (k === 'node') return v || 'a node without a certificate here';
    if (Array.isArray(v)) return v.join('; ');
    return String(v);
  }

  async function openMember(id, origin) {
    const p = new URLSearchParams();
    if (origin) p.set('origin', origin);
    showError($('error'), null);
    showTab('search');
    let m;
    try {
      m = await api('/api/member/' + encodeURIComponent(id), p);
    } catch (e) {
      showError($('error'), e);
      return;
    }
    shown = m;
    $('detail-name').textContent = m.name;
    const dl = $('detail-fields');
    clear(dl);
    for (const [k, label] of FIELDS) {
      const v = m[k];
      if (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length && k !== 'memberships')) continue;
      if (k === 'memberships' && !v.length) continue;
      dl.append(el('div', { class: 'field-row', 'data-field': k },
        el('dt', { text: label }), el('dd', { 'data-testid': 'field-' + k }, fieldValue(m, k))));
    }
    $('show-members').hidden = !(m.kind === 'cluster' || m.kind === 'network');
    showDetail(true);
    $('detail').scrollIntoView({ block: 'nearest' });
  }

  $('detail-back').addEventListener('click', () => showDetail(false));

  $('find-partners').addEventListener('click', () => {
    if (!shown) return;
    const p = filterParams(new URLSearchParams(), SEARCH_FILTERS);
    p.set('id', shown.id);
    p.set('origin', shown.origin);
    if ($('match-anywhere').checked) p.set('anywhere', 'true');
    runList({ path: '/api/match', params: p.toString(), title: 'Partners for ' + shown.name, match: true, limit: $('f-limit').value }, false);
  });

  $('show-members').addEventListener('click', () => {
    if (!shown) return;
    const p = new URLSearchParams();
    p.set('member_of', shown.id);
    runList({ path: '/api/search', params: p.toString(), title: 'Members of ' + shown.name, match: false, limit: $('f-limit').value }, false);
  });

  // ---- consortium builder ----

  $('add-need').addEventListener('click', () => {
    const n = document.querySelectorAll('#needs .need').length + 1;
    if (n > 8) return; // the API takes 1 to 8 needs
    const id = 'need-' + n;
    $('needs').append(el('label', { for: id }, 'Need ' + n + ' ', el('input', { type: 'text', id: id, class: 'need' })));
    $(id).focus();
    if (n === 8) $('add-need').hidden = true;
  });

  function groupView(g, needs) {
    const head = el('h3', {},
      'Group ' + g.rank + ': ' + g.members.length + ' members, ' + g.countries +
      (g.countries === 1 ? ' country' : ' countries'));
    const table = el('table', { class: 'group-table' });
    const hr = el('tr', {}, el('th', { scope: 'col', text: 'member' }), el('th', { scope: 'col', text: 'country' }));
    for (const n of needs) hr.append(el('th', { scope: 'col', text: n }));
    table.append(el('thead', {}, hr));
    const tb = el('tbody');
    for (const m of g.members) {
      const tr = el('tr', { 'data-testid': 'group-member', 'data-id': m.id, 'data-covers': (m.covers || []).join('|') },
        el('th', { scope: 'row' }, el('button', { type: 'button', class: 'link', text: m.name, onclick: () => openMember(m.id, m.origin) }),
          el('span', { class: 'node', text: ' ' + nodeLabel(m) })),
        el('td', { text: m.country }));
      needs.forEach((need, i) => {
        const c = (m.coverage || [])[i] || 0;
        const covers = (m.covers || []).includes(need);
        tr.append(el('td', { class: covers ? 'covers' : '' },
          el('meter', { min: 0, max: 1, value: c.toFixed(2), 'aria-label': m.name + ' covers ' + need + ': ' + Math.round(c * 100) + '%' }),
          covers ? el('span', { class: 'tick', text: ' covers' }) : null));
      });
      tb.append(tr);
    }
    table.append(tb);
    return el('div', { class: 'group card', 'data-testid': 'group', 'data-rank': g.rank }, head, table);
  }

  $('consortium-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    const needs = [...document.querySelectorAll('#needs .need')].map((i) => i.value.trim()).filter(Boolean);
    for (const n of needs) p.append('need', n);
    for (const [id, name] of [['c-min-countries', 'min_countries'], ['c-min-members', 'min_members'], ['c-groups', 'groups']])
      if ($(id).value) p.set(name, $(id).value);
    filterParams(p, { country: 'c-country', kind: 'c-kind', size: 'c-size' });
    showError($('c-error'), null);
    clear($('groups'));
    $('c-summary').textContent = 'Building…';
    let ans;
    try {
      ans = await api('/api/consortium', p);
    } catch (e) {
      showError($('c-error'), e);
      $('c-summary').textContent = '';
      return;
    }
    if (!ans.groups.length) {
      $('c-summary').textContent = 'No group: ' + (ans.problem || 'none found') + '.';
      return;
    }
    $('c-summary').textContent = ans.groups.length + (ans.groups.length === 1 ? ' group covers ' : ' groups cover ') +
      ans.needs.join(', ') + '.';
    for (const g of ans.groups) $('groups').append(groupView(g, ans.needs));
  });

  // ---- health ----

  async function health() {
    let st, pe;
    try {
      [st, pe] = await Promise.all([api('/api/status'), api('/api/peers')]);
    } catch (e) {
      showError($('health-error'), e);
      return;
    }
    showError($('health-error'), null);
    const self = (pe.origins || []).find((o) => o.self);
    $('node-line').textContent = 'Node ' + ((self && self.name) || 'unnamed') + ' (' + short(st.node_key) + '), holding ' +
      st.members + ' members of the federation, ' + st.own_members + ' its own.';

    const sync = $('health-sync');
    sync.dataset.inSync = String(st.in_sync);
    sync.className = 'badge ' + (st.in_sync ? 'ok' : 'warn');
    sync.textContent = st.in_sync ? 'In sync with every peer'
      : st.peers_certified ? 'Not in sync: ' + st.lag + ' records behind' : 'Not in sync: no peer connected';

    const dl = $('health-fields');
    clear(dl);
    const facts = [
      ['Certified', st.certified ? 'yes' : 'NO: no certificate in force'],
      ['Members held', st.members + ' (' + st.own_members + ' published here)'],
      ['Records', st.records],
      ['Peers up / down', st.peers_certified + ' / ' + st.peers_down],
      ['Lag', st.lag],
      ['Last in sync', ago(st.last_sync_ms)],
      ['Handshakes failed / shed', st.handshakes_failed + ' / ' + st.handshakes_shed],
    ];
    for (const [k, v] of facts) dl.append(el('div', { class: 'field-row' }, el('dt', { text: k }), el('dd', { text: String(v) })));

    const tb = $('peers').tBodies[0];
    clear(tb);
    for (const p of pe.peers) {
      const up = p.state === 'certified';
      tb.append(el('tr', { 'data-testid': 'peer', 'data-peer-name': p.name || '', 'data-state': up ? 'up' : p.state },
        el('th', { scope: 'row', title: p.key + ' at ' + p.address }, (p.name || 'unknown') + ' ', el('span', { class: 'key', text: short(p.key) })),
        el('td', { class: up ? 'up' : 'down', text: up ? 'up' : p.state }),
        el('td', { text: p.lag === null ? '?' : String(p.lag) }),
        el('td', { text: p.records_in + ' / ' + p.records_out })));
    }
    if (!pe.peers.length) tb.append(el('tr', {}, el('td', { colspan: 4, text: 'no peer connections' })));

    const rj = $('rejected');
    clear(rj);
    let total = 0;
    for (const [reason, n] of Object.entries(st.rejected || {})) {
      total += n;
      rj.append(el('li', { 'data-reason': reason, class: n ? 'warn' : '' }, el('span', { text: reason }), el('b', { text: String(n) })));
    }
    rj.dataset.total = String(total);
    if (st.last_rejected) {
      rj.append(el('li', { class: 'warn last' }, 'last: ' + st.last_rejected.reason + ' from ' + short(st.last_rejected.peer) +
        ', ' + ago(st.last_rejected.at_ms)));
    }
    $('health-time').textContent = 'Updated ' + new Date().toLocaleTimeString() + '.';
  }

  $('health-refresh').addEventListener('click', health);
  setInterval(() => {
    if (!document.hidden) health();
  }, 10000);

  health();
})();
