// vigil console: vanilla JavaScript, no framework, no build step, served by `vigil run --http`.
//
// Every string in an alert was written by whoever sent the log line, so it is data, never markup:
// the DOM is built with createElement and textContent only (no innerHTML, no eval, no inline
// handlers), and the Content-Security-Policy would refuse inline script and style anyway.
// The API is docs/http-api.md.
(function () {
  'use strict';

  const TIERS = [1, 2, 3];
  const TIER_NAMES = { 1: 'triage', 2: 'investigate', 3: 'incident' };
  const PAGE_SIZE = 100;
  const NOTE_LIMIT = 4096;
  const ACTION_WORDS = {
    acknowledge: 'acknowledged',
    escalate: 'escalated',
    close: 'closed',
    reopened: 'reopened',
    exception_added: 'added an exception',
    exception_expired: 'exception expired',
  };

  const state = {
    session: null,
    episodes: new Map(), // String(episode_id) -> EPISODE (those the current filters show)
    next: { 1: null, 2: null, 3: null }, // each queue's cursor for "More"
    filters: {},
    generation: 0, // bumped by every reload: answers to an older one are dropped
    selectedAlert: null, // the alert id whose episode the detail shows
    detail: null, // {alert, episode, alerts}
    history: [],
    source: null,
    lastEventId: '',
    reopenDelay: 1000,
    reloadTimer: null,
    countsTimer: null,
    wired: false,
  };

  // ---- DOM helpers ---------------------------------------------------------------------------

  function byId(id) {
    return document.getElementById(id);
  }

  /** An element with attributes (`class`, `text`, `dataset`, others as attributes) and children. */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = String(value);
      else if (name === 'dataset') {
        for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) node.dataset[k] = String(v);
      } else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      // Strings become text nodes: append() never parses markup.
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  function showBanner(message) {
    const banner = byId('banner');
    banner.textContent = message || '';
    show(banner, Boolean(message));
  }

  function setStatus(status, text) {
    const node = byId('stream-status');
    node.dataset.status = status;
    node.textContent = text;
  }

  /** Any JSON value as one line of text. */
  function textOf(value) {
    if (value === null || value === undefined) return '';
    if (typeof value === 'string') return value;
    return JSON.stringify(value);
  }

  function entityText(entity) {
    if (!entity || typeof entity !== 'object') return textOf(entity);
    return Object.entries(entity)
      .map(([k, v]) => `${k}=${v === null ? '(none)' : textOf(v)}`)
      .join(', ');
  }

  function ruleTitle(rule) {
    if (!rule || typeof rule !== 'object') return '(no rule)';
    return textOf(rule.title || rule.name || rule.id || '(untitled rule)');
  }

  /** An RFC 3339 time, shorter: `2026-03-01 10:00:00Z` (the full value in the tooltip). */
  function timeNode(value, tag) {
    const text = typeof value === 'string' ? value.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : textOf(value);
    return el(tag || 'span', { class: 'time', title: textOf(value), datetime: textOf(value) }, text);
  }

  function tierBadge(tier) {
    const t = Number(tier);
    return el('span', { class: `tier-badge tier-${t}`, title: `tier ${t}: ${TIER_NAMES[t] || ''}` }, `T${t}`);
  }

  function triageBadge(triage, resolution) {
    const word = textOf(triage || 'new');
    const label = word === 'closed' && resolution ? `closed: ${textOf(resolution).replace('_', ' ')}` : word;
    return el('span', { class: `triage triage-${word.replace(/[^a-z_]/g, '')}`, dataset: { triage: word } }, label);
  }

  function key(id) {
    return String(id);
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  class HTTPError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  /** A JSON request; throws HTTPError with the server's `{"error": ...}` message. */
  async function api(method, path, body) {
    const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      throw new HTTPError(0, 'vigil is not answering');
    }
    const text = await response.text();
    let payload = null;
    if (text) {
      try {
        payload = JSON.parse(text);
      } catch (error) {
        payload = null;
      }
    }
    if (!response.ok) {
      const message = payload && typeof payload.error === 'string' ? payload.error : `HTTP ${response.status}`;
      if (response.status === 401 && path !== '/session') signedOut('Your session ended: sign in again.');
      throw new HTTPError(response.status, message);
    }
    return payload;
  }

  // ---- Session -------------------------------------------------------------------------------

  async function boot() {
    try {
      signedIn(await api('GET', '/session'));
    } catch (error) {
      if (error.status === 401) signedOut('');
      else {
        showBanner(`${error.message}; trying again.`);
        setTimeout(boot, 3000);
      }
    }
  }

  function signedIn(session) {
    state.session = session || { name: 'local', role: 'admin' };
    showBanner('');
    show(byId('signin'), false);
    show(byId('app'), true);
    const who = byId('whoami');
    const tiers = Array.isArray(state.session.tiers) ? ` tiers ${state.session.tiers.join(',')}` : '';
    who.textContent = `${textOf(state.session.name)} (${textOf(state.session.role)}${tiers})`;
    show(who, true);
    show(byId('signout'), true);
    show(byId('show-exceptions'), true);
    readFilters();
    reloadAll();
    openStream();
    const fromHash = /^#alert=([0-9A-Za-z_-]{1,64})$/.exec(location.hash);
    if (fromHash) selectAlert(fromHash[1]);
  }

  function signedOut(message) {
    state.session = null;
    if (state.source) state.source.close();
    state.source = null;
    setStatus('stopped', 'signed out');
    show(byId('app'), false);
    show(byId('whoami'), false);
    show(byId('signout'), false);
    show(byId('show-exceptions'), false);
    show(byId('signin'), true);
    const error = byId('signin-error');
    error.textContent = message || '';
    show(error, Boolean(message));
    byId('token').focus();
  }

  async function signIn(event) {
    event.preventDefault();
    const token = byId('token').value;
    const error = byId('signin-error');
    try {
      await api('POST', '/session', { token });
      byId('token').value = '';
      show(error, false);
      signedIn(await api('GET', '/session'));
    } catch (failure) {
      error.textContent = failure.status === 401 ? 'That token was not accepted.' : failure.message;
      show(error, true);
    }
  }

  async function signOut() {
    try {
      await api('DELETE', '/session');
    } catch (error) {
      // Signed out or not, show the sign-in form if the server wants one.
    }
    state.episodes.clear();
    closeDetail();
    boot();
  }

  /** Whether the signed-in role may act on an episode of `tier` (the server decides in the end). */
  function canAct(tier) {
    const session = state.session;
    if (!session) return false;
    if (session.role === 'admin') return true;
    if (session.role === 'viewer') return false;
    const tiers = Array.isArray(session.tiers) ? session.tiers.map(Number) : TIERS;
    return tiers.includes(Number(tier));
  }

  // ---- Filters and queues --------------------------------------------------------------------

  function readFilters() {
    state.filters = {
      rule: byId('filter-rule').value.trim(),
      entity: byId('filter-entity').value.trim(),
      text: byId('filter-text').value.trim(),
      state: byId('filter-state').value,
      triage: byId('filter-triage').value,
    };
  }

  function filterParams() {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(state.filters)) if (value) params.set(name, value);
    return params;
  }

  /** Filters only the server can apply exactly: a live alert for an unknown episode needs a reload. */
  function hasServerOnlyFilters() {
    return Boolean(state.filters.rule || state.filters.entity || state.filters.text);
  }

  /** The filters the console applies to live changes itself (their meaning is exact). */
  function matchesLocally(episode) {
    if (state.filters.state && episode.alert_state !== state.filters.state) return false;
    if (state.filters.triage && !state.filters.triage.split(',').includes(episode.triage || 'new')) return false;
    return true;
  }

  async function reloadAll() {
    clearTimeout(state.reloadTimer);
    state.reloadTimer = null;
    const generation = ++state.generation;
    loadCounts();
    try {
      const pages = await Promise.all(TIERS.map((tier) => fetchQueue(tier, null)));
      if (generation !== state.generation) return;
      state.episodes.clear();
      pages.forEach((page, index) => {
        for (const episode of page.episodes || []) state.episodes.set(key(episode.episode_id), episode);
        state.next[TIERS[index]] = page.next || null;
      });
      TIERS.forEach((tier) => renderQueue(tier));
      showBanner('');
    } catch (error) {
      if (error.status !== 401) showBanner(`Could not load the queues: ${error.message}`);
    }
  }

  function fetchQueue(tier, cursor) {
    const params = filterParams();
    params.set('tier', String(tier));
    params.set('limit', String(PAGE_SIZE));
    if (cursor) params.set('cursor', cursor);
    return api('GET', `/episodes?${params}`);
  }

  async function loadMore(tier) {
    const generation = state.generation;
    try {
      const page = await fetchQueue(tier, state.next[tier]);
      if (generation !== state.generation) return;
      for (const episode of page.episodes || []) state.episodes.set(key(episode.episode_id), episode);
      state.next[tier] = page.next || null;
      renderQueue(tier);
    } catch (error) {
      if (error.status !== 401) showBanner(`Could not load more: ${error.message}`);
    }
  }

  /** Reloads the queues soon, once however many live events ask for it. */
  function scheduleReload(delay) {
    if (state.reloadTimer) return;
    state.reloadTimer = setTimeout(reloadAll, delay === undefined ? 1000 : delay);
  }

  async function loadCounts() {
    clearTimeout(state.countsTimer);
    state.countsTimer = null;
    try {
      const answer = await api('GET', '/episodes/counts');
      const tiers = (answer && answer.tiers) || {};
      for (const tier of TIERS) {
        const counts = tiers[String(tier)] || {};
        const node = byId(`counts-${tier}`);
        node.replaceChildren(
          ...['new', 'acknowledged', 'escalated', 'closed'].map((triage) =>
            el('span', { dataset: { triage, count: Number(counts[triage] || 0) } }, `${Number(counts[triage] || 0)} ${triage}`),
          ),
        );
      }
    } catch (error) {
      // The queues say what failed; counts come back with the next event.
    }
  }

  function scheduleCounts() {
    if (state.countsTimer) return;
    state.countsTimer = setTimeout(loadCounts, 300);
  }

  function byActivity(a, b) {
    const seq = (Number(b.latest_seq) || 0) - (Number(a.latest_seq) || 0);
    if (seq !== 0) return seq;
    return textOf(b.last_seen).localeCompare(textOf(a.last_seen));
  }

  /** Redraws one queue, reusing each episode's row (a test or a user may hold on to one). */
  function renderQueue(tier) {
    const section = byId(`queue-${tier}`);
    const body = section.querySelector('tbody.rows');
    const episodes = [...state.episodes.values()].filter((e) => Number(e.tier) === tier).sort(byActivity);
    const existing = new Map([...body.children].map((row) => [row.dataset.episodeId, row]));
    const rows = episodes.map((episode) => {
      const id = key(episode.episode_id);
      const row = existing.get(id) || el('tr', { tabindex: '0' });
      existing.delete(id);
      fillRow(row, episode);
      return row;
    });
    body.replaceChildren(...rows);
    show(section.querySelector('.empty'), rows.length === 0);
    show(section.querySelector('.more'), Boolean(state.next[tier]));
  }

  function fillRow(row, episode) {
    row.dataset.episodeId = key(episode.episode_id);
    row.dataset.alertId = textOf(episode.latest_alert_id);
    row.dataset.tier = textOf(episode.tier);
    row.dataset.triage = textOf(episode.triage || 'new');
    row.dataset.alertState = textOf(episode.alert_state);
    row.classList.toggle('selected', Boolean(state.detail && key(state.detail.episode.episode_id) === row.dataset.episodeId));
    const rule = episode.rule || {};
    row.replaceChildren(
      el('td', { class: 'rule', title: textOf(rule.id) }, ruleTitle(rule), el('span', { class: 'level' }, textOf(rule.level))),
      el('td', { class: 'entity' }, entityText(episode.entity)),
      el('td', { class: 'host' }, textOf(episode.host)),
      el('td', { class: 'num count' }, textOf(episode.count)),
      el('td', null, timeNode(episode.last_seen)),
      el('td', null, triageBadge(episode.triage, episode.resolution)),
    );
  }

  /** Puts an episode the server or the stream described into its queue (or out, if filtered out). */
  function putEpisode(episode, fresh) {
    const id = key(episode.episode_id);
    const before = state.episodes.get(id);
    if (matchesLocally(episode)) state.episodes.set(id, episode);
    else state.episodes.delete(id);
    const tiers = new Set([Number(episode.tier)]);
    if (before) tiers.add(Number(before.tier));
    for (const tier of tiers) if (TIERS.includes(tier)) renderQueue(tier);
    if (fresh) {
      const row = document.querySelector(`#queues tr[data-episode-id="${CSS.escape(id)}"]`);
      if (row) {
        row.classList.remove('fresh');
        void row.offsetWidth; // restart the highlight
        row.classList.add('fresh');
      }
    }
  }

  // ---- Live stream ---------------------------------------------------------------------------

  function openStream() {
    if (state.source) state.source.close();
    const query = state.lastEventId ? `?last_event_id=${encodeURIComponent(state.lastEventId)}` : '';
    const source = new EventSource(`/alerts/stream${query}`);
    state.source = source;
    setStatus('connecting', 'connecting...');
    source.addEventListener('open', () => {
      if (state.source !== source) return;
      state.reopenDelay = 1000;
      setStatus('live', 'live');
      // Whatever happened while the stream was away (triage by others has no replay): reload.
      scheduleReload(0);
    });
    source.addEventListener('alert', onAlert);
    source.addEventListener('triage', onTriage);
    source.addEventListener('dropped', onDropped);
    source.addEventListener('shutdown', () => setStatus('stopped', 'vigil stopped; reconnecting when it is back'));
    source.addEventListener('error', () => {
      if (state.source !== source) return;
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (an HTTP error): check the session, then open a new stream that
        // resumes after the last alert seen.
        setStatus('reconnecting', 'reconnecting...');
        const delay = state.reopenDelay;
        state.reopenDelay = Math.min(state.reopenDelay * 2, 30000);
        setTimeout(() => {
          if (state.source === source) reopenStream();
        }, delay);
      } else {
        // The browser reconnects by itself, with Last-Event-ID.
        setStatus('reconnecting', 'reconnecting...');
      }
    });
  }

  async function reopenStream() {
    try {
      await api('GET', '/session');
      openStream();
    } catch (error) {
      if (error.status === 401) signedOut('Your session ended: sign in again.');
      else {
        const source = state.source;
        const delay = state.reopenDelay;
        state.reopenDelay = Math.min(state.reopenDelay * 2, 30000);
        setTimeout(() => {
          if (state.source === source) reopenStream();
        }, delay);
      }
    }
  }

  function parse(message) {
    try {
      return JSON.parse(message.data);
    } catch (error) {
      return null;
    }
  }

  /** The highest store sequence shown: an alert that comes without its own goes above it. */
  function newestSeq() {
    let newest = 0;
    for (const episode of state.episodes.values()) newest = Math.max(newest, Number(episode.latest_seq) || 0);
    return newest;
  }

  function onAlert(message) {
    if (message.lastEventId) state.lastEventId = message.lastEventId;
    const alert = parse(message);
    if (!alert || typeof alert !== 'object') return;
    scheduleCounts();
    const episodeInfo = alert.episode;
    if (!episodeInfo || episodeInfo.id === undefined || episodeInfo.id === null) {
      // An alert without an episode is an episode of its own: the server knows its row.
      scheduleReload();
      return;
    }
    const id = key(episodeInfo.id);
    const known = state.episodes.get(id);
    if (!known && (hasServerOnlyFilters() || episodeInfo.state !== 'opened')) {
      // Only an `opened` alert is surely a new episode; an `updated` or `closed` one may belong to an
      // episode the filters hide (closed, acknowledged): its triage state is the server's to say.
      scheduleReload(250);
      return;
    }
    const seq = Number.isFinite(alert.seq) ? alert.seq : newestSeq() + 1;
    const episode = Object.assign({}, known || { triage: 'new', resolution: null }, {
      episode_id: episodeInfo.id,
      kind: alert.kind,
      rule: alert.rule,
      entity: alert.entity,
      host: alert.host,
      // An analyst's escalation raised the episode above its alerts' own tier: it stays there.
      tier: Math.max(Number(alert.tier) || 0, Number(known && known.tier) || 0),
      alert_state: episodeInfo.state,
      count: episodeInfo.count,
      first_seen: episodeInfo.first_seen,
      last_seen: episodeInfo.last_seen || alert.time,
      latest_alert_id: alert.id,
      latest_seq: seq,
    });
    // A new alert for an episode an analyst closed reopens it (docs/http-api.md).
    if (known && known.triage === 'closed' && (episodeInfo.state === 'opened' || episodeInfo.state === 'updated')) {
      episode.triage = 'new';
      episode.resolution = null;
    }
    putEpisode(episode, true);
    if (state.detail && key(state.detail.episode.episode_id) === id) loadDetail(state.selectedAlert, false);
  }

  function onTriage(message) {
    const change = parse(message);
    if (!change || typeof change !== 'object') return;
    applyTriage(change, true);
    scheduleCounts();
  }

  function onDropped(message) {
    const info = parse(message) || {};
    // The stream fell behind: resume from the last alert it sent, and reload the queues.
    if (typeof info.last_event_id === 'string' && info.last_event_id) state.lastEventId = info.last_event_id;
    showBanner(`The live stream fell behind (${Number(info.count) || 0} alerts); catching up.`);
    openStream();
    scheduleReload(0);
  }

  /** A `{entry, episode}` from an action of ours or the stream's `triage` event. */
  function applyTriage(change, fresh) {
    const episode = change.episode;
    if (episode && episode.episode_id !== undefined) putEpisode(episode, fresh);
    if (!state.detail || !episode || key(state.detail.episode.episode_id) !== key(episode.episode_id)) return;
    state.detail.episode = episode;
    const entry = change.entry;
    if (entry && !state.history.some((known) => known.seq === entry.seq)) {
      state.history.push(entry);
      state.history.sort((a, b) => (Number(a.seq) || 0) - (Number(b.seq) || 0));
    }
    renderDetail();
  }

  // ---- Detail --------------------------------------------------------------------------------

  function selectAlert(alertId) {
    state.selectedAlert = alertId;
    history.replaceState(null, '', `#alert=${encodeURIComponent(alertId)}`);
    byId('action-error').hidden = true;
    show(byId('detail'), true);
    loadDetail(alertId, true);
  }

  async function loadDetail(alertId, scroll) {
    try {
      const path = `/alerts/${encodeURIComponent(alertId)}`;
      const [detail, historyAnswer] = await Promise.all([api('GET', path), api('GET', `${path}/history`)]);
      if (state.selectedAlert !== alertId) return;
      state.detail = detail;
      state.history = (historyAnswer && historyAnswer.history) || [];
      renderDetail();
      document.querySelectorAll('#queues tr.selected').forEach((row) => row.classList.remove('selected'));
      const row = document.querySelector(`#queues tr[data-episode-id="${CSS.escape(key(detail.episode.episode_id))}"]`);
      if (row) row.classList.add('selected');
      if (scroll) byId('detail').scrollIntoView({ block: 'nearest' });
    } catch (error) {
      if (state.selectedAlert !== alertId) return;
      if (error.status === 404) closeDetail();
      if (error.status !== 401) showBanner(`Could not load the alert: ${error.message}`);
    }
  }

  function closeDetail() {
    state.selectedAlert = null;
    state.detail = null;
    state.history = [];
    show(byId('detail'), false);
    document.querySelectorAll('#queues tr.selected').forEach((row) => row.classList.remove('selected'));
    if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  }

  function fact(list, term, value, id) {
    const dd = el('dd', { id }, value);
    list.append(el('dt', null, term), dd);
    return dd;
  }

  function renderDetail() {
    const detail = state.detail;
    if (!detail) return;
    const episode = detail.episode || {};
    const latest = (detail.alerts && detail.alerts[detail.alerts.length - 1]) || detail.alert || {};
    const tier = Number(episode.tier);
    const section = byId('detail');
    section.className = `tier-${tier}`;
    section.dataset.episodeId = key(episode.episode_id);
    section.dataset.tier = String(tier);
    section.dataset.triage = textOf(episode.triage || 'new');

    byId('detail-title').replaceChildren(tierBadge(tier), ' ', ruleTitle(episode.rule));

    const facts = byId('detail-facts');
    facts.replaceChildren();
    const triage = fact(facts, 'Triage', triageBadge(episode.triage, episode.resolution), 'detail-triage');
    triage.dataset.triage = textOf(episode.triage || 'new');
    fact(facts, 'Tier', `${tier} (${TIER_NAMES[tier] || '?'})`, 'detail-tier');
    const rule = episode.rule || {};
    fact(facts, 'Rule', [textOf(rule.name), textOf(rule.id)].filter(Boolean).join('  ·  '));
    fact(facts, 'Level', textOf(rule.level));
    if (Array.isArray(rule.tags) && rule.tags.length) fact(facts, 'Tags', rule.tags.map(textOf).join(', '));
    fact(facts, 'Kind', textOf(episode.kind));
    fact(facts, 'Entity', entityText(episode.entity), 'detail-entity');
    if (episode.host !== undefined && episode.host !== null) fact(facts, 'Host', textOf(episode.host), 'detail-host');
    fact(facts, 'Alert state', textOf(episode.alert_state));
    fact(facts, 'Count', textOf(episode.count));
    fact(facts, 'First seen', timeNode(episode.first_seen));
    fact(facts, 'Last seen', timeNode(episode.last_seen));
    if (latest.escalated_from !== undefined) fact(facts, 'Escalated from tier', textOf(latest.escalated_from));
    fact(facts, 'Episode', key(episode.episode_id));

    renderActions(episode);
    renderHistory();
    renderAlerts(detail.alerts || [detail.alert]);
  }

  function renderActions(episode) {
    const tier = Number(episode.tier);
    const triage = episode.triage || 'new';
    const allowed = canAct(tier);
    const closed = triage === 'closed';
    byId('ack').disabled = !allowed || !(triage === 'new' || triage === 'escalated');
    const tierSelect = byId('escalate-tier');
    const previous = tierSelect.value;
    tierSelect.replaceChildren(
      ...TIERS.filter((t) => t > tier).map((t) => el('option', { value: String(t) }, `${t} (${TIER_NAMES[t]})`)),
    );
    if ([...tierSelect.options].some((option) => option.value === previous)) tierSelect.value = previous;
    tierSelect.disabled = !allowed || closed || tier >= 3;
    byId('escalate').disabled = tierSelect.disabled;
    byId('close').disabled = !allowed || closed;
    byId('close-resolution').disabled = !allowed || closed;
    byId('note').disabled = !allowed;
    updateExceptionInput();
    const hint = byId('action-hint');
    hint.textContent = allowed ? '' : `Your role (${textOf(state.session && state.session.role)}) cannot act on tier ${tier}.`;
    show(hint, !allowed);
  }

  function updateExceptionInput() {
    const input = byId('close-exception');
    input.disabled = byId('close-resolution').disabled || byId('close-resolution').value !== 'false_positive';
  }

  function renderHistory() {
    const list = byId('history');
    if (state.history.length === 0) {
      list.replaceChildren(el('li', { class: 'none' }, 'No action yet.'));
      return;
    }
    list.replaceChildren(...state.history.map(historyItem));
  }

  function historyItem(entry) {
    const action = textOf(entry.action);
    const parts = [timeNode(entry.at, 'time'), ' ', el('span', { class: 'actor' }, textOf(entry.actor)), ' ', ACTION_WORDS[action] || action];
    if (entry.from_tier !== null && entry.from_tier !== undefined && entry.to_tier !== null && entry.to_tier !== undefined) {
      parts.push(` from tier ${textOf(entry.from_tier)} to tier ${textOf(entry.to_tier)}`);
    }
    if (entry.resolution) parts.push(` as ${textOf(entry.resolution).replace('_', ' ')}`);
    if (entry.exception_id !== null && entry.exception_id !== undefined) parts.push(` (exception ${textOf(entry.exception_id)})`);
    if (entry.note) parts.push(el('span', { class: 'entry-note' }, textOf(entry.note)));
    return el('li', { dataset: { seq: entry.seq, action, actor: textOf(entry.actor) } }, ...parts);
  }

  /** A correlation's metric, `{"name":"event_count","value":6}`, as `event_count 6`. */
  function metricText(metric) {
    if (metric && typeof metric === 'object' && 'name' in metric) return `${textOf(metric.name)} ${textOf(metric.value)}`;
    return `metric ${textOf(metric)}`;
  }

  function renderAlerts(alerts) {
    const list = byId('alerts');
    const items = alerts.filter(Boolean).map((alert, index) => {
      const info = alert.episode || {};
      const summary = el(
        'summary',
        null,
        el('strong', null, textOf(info.state || alert.kind)),
        ' ',
        timeNode(alert.time),
        info.count !== undefined ? `  ·  count ${textOf(info.count)}` : '',
        alert.metric !== undefined ? `  ·  ${metricText(alert.metric)}` : '',
        alert.escalated_from !== undefined ? `  ·  escalated from tier ${textOf(alert.escalated_from)}` : '',
        `  ·  tier ${textOf(alert.tier)}  ·  id ${textOf(alert.id)}`,
        // The raw message in the forensic archive: vigil show --archive DIR N (docs/archive.md).
        Array.isArray(alert.archive_refs) ? `  ·  archive ${alert.archive_refs.map(textOf).join(', ')}` : '',
      );
      const evidence = alert.event !== undefined ? alert.event : alert.events;
      const body =
        evidence === undefined
          ? el('p', { class: 'no-evidence' }, 'No evidence kept (over the memory bound).')
          : el('pre', { class: 'evidence' }, JSON.stringify(evidence, null, 2));
      const details = el('details', { open: index === alerts.length - 1 }, summary, body);
      return el('li', { dataset: { alertId: alert.id, state: info.state } }, details);
    });
    list.replaceChildren(...items);
  }

  async function act(action) {
    const detail = state.detail;
    if (!detail) return;
    const error = byId('action-error');
    show(error, false);
    const note = byId('note').value;
    if (new TextEncoder().encode(note).length > NOTE_LIMIT) {
      error.textContent = `A note is at most ${NOTE_LIMIT} bytes.`;
      show(error, true);
      return;
    }
    const body = { note };
    if (action === 'escalate') body.tier = Number(byId('escalate-tier').value);
    if (action === 'close') {
      body.resolution = byId('close-resolution').value;
      const expires = byId('close-exception').value.trim();
      if (body.resolution === 'false_positive' && expires) body.exception = { expires };
    }
    const buttons = ['ack', 'escalate', 'close'].map(byId);
    buttons.forEach((button) => (button.disabled = true));
    const alertId = textOf(detail.alert && detail.alert.id) || state.selectedAlert;
    try {
      const change = await api('POST', `/alerts/${encodeURIComponent(alertId)}/${action}`, body);
      byId('note').value = '';
      byId('close-exception').value = '';
      applyTriage(change || {}, false);
      scheduleCounts();
    } catch (failure) {
      error.textContent = `${action}: ${failure.message}`;
      show(error, true);
    } finally {
      if (state.detail) renderActions(state.detail.episode);
    }
  }

  // ---- Exceptions ----------------------------------------------------------------------------

  async function loadExceptions() {
    show(byId('exceptions'), true);
    const all = byId('exceptions-all').checked ? '?all=1' : '';
    const rows = byId('exceptions-rows');
    try {
      const answer = await api('GET', `/exceptions${all}`);
      const exceptions = (answer && answer.exceptions) || [];
      if (exceptions.length === 0) {
        rows.replaceChildren(el('tr', null, el('td', { colspan: '8' }, 'No exceptions.')));
        return;
      }
      rows.replaceChildren(
        ...exceptions.map((x) =>
          el(
            'tr',
            { dataset: { exceptionId: x.id, expired: Boolean(x.expired) }, class: x.expired ? 'expired' : null },
            el('td', null, textOf(x.id)),
            el('td', null, textOf(x.rule_id)),
            el('td', null, entityText(x.entity)),
            el('td', null, timeNode(x.created_at)),
            el('td', null, timeNode(x.expires_at), x.expired ? ' (expired)' : ''),
            el('td', null, textOf(x.created_by)),
            el('td', null, textOf(x.note)),
            el('td', { class: 'num' }, textOf(x.applied)),
          ),
        ),
      );
    } catch (error) {
      rows.replaceChildren(el('tr', null, el('td', { colspan: '8', class: 'error' }, `Could not load: ${error.message}`)));
    }
  }

  // ---- Wiring --------------------------------------------------------------------------------

  function wire() {
    if (state.wired) return;
    state.wired = true;
    byId('signin-form').addEventListener('submit', signIn);
    byId('signout').addEventListener('click', signOut);
    byId('filters').addEventListener('submit', (event) => {
      event.preventDefault();
      readFilters();
      reloadAll();
    });
    byId('filters').addEventListener('change', () => {
      readFilters();
      reloadAll();
    });
    byId('filters').addEventListener('reset', () =>
      setTimeout(() => {
        readFilters();
        reloadAll();
      }, 0),
    );
    for (const tier of TIERS) {
      const section = byId(`queue-${tier}`);
      section.querySelector('.more').addEventListener('click', () => loadMore(tier));
      const body = section.querySelector('tbody.rows');
      body.addEventListener('click', (event) => {
        const row = event.target.closest('tr[data-alert-id]');
        if (row) selectAlert(row.dataset.alertId);
      });
      body.addEventListener('keydown', (event) => {
        const row = event.target.closest('tr[data-alert-id]');
        if (row && (event.key === 'Enter' || event.key === ' ')) {
          event.preventDefault();
          selectAlert(row.dataset.alertId);
        }
      });
    }
    byId('detail-close').addEventListener('click', closeDetail);
    byId('ack').addEventListener('click', () => act('ack'));
    byId('escalate').addEventListener('click', () => act('escalate'));
    byId('close').addEventListener('click', () => act('close'));
    byId('close-resolution').addEventListener('change', updateExceptionInput);
    byId('show-exceptions').addEventListener('click', loadExceptions);
    byId('exceptions-all').addEventListener('change', loadExceptions);
    byId('exceptions-close').addEventListener('click', () => show(byId('exceptions'), false));
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && state.detail) closeDetail();
    });
  }

  wire();
  boot();
})();
