// The operator console of Dynamic MCP Proxy. Plain browser JavaScript, no framework, no build step: it reads
// /admin/servers, follows /admin/events (Server-Sent Events read over fetch, so the token can be sent), acts
// through the admin API and calls tools through the proxy's own MCP endpoint, /mcp. The profiles panel is in
// profiles.js (loaded after this file; it uses the helpers here).
"use strict";

const TOKEN_KEY = "dynamic-mcp-proxy.token";
const STATE_ORDER = { down: 0, connecting: 1, idle: 2, disabled: 3, ready: 4 };
const view = {
  servers: new Map(),   // name -> the server's JSON from /admin/servers
  order: [],
  selected: null,
  detail: null,
  tab: "tools",
  timeline: [],         // state and config events, newest first
  lastSeq: 0,
  shownAt: new Map(),
  armed: null,          // { name, until }: a Remove button clicked once   // name -> Date.now() when a state event last changed its row
};

// ---------- small DOM helpers (text only: nothing from a server is ever parsed as HTML)

function $(id) { return document.getElementById(id); }

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") {
      for (const [name, data] of Object.entries(value)) if (data !== null && data !== undefined) node.dataset[name] = data;
    }
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function notice(message, bad) {
  const box = $("notice");
  box.textContent = message;
  box.classList.toggle("bad", !!bad);
  box.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { box.hidden = true; }, bad ? 12000 : 5000);
}

function ago(iso) {
  if (!iso) return "";
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return seconds + "s ago";
  if (seconds < 3600) return Math.floor(seconds / 60) + "m ago";
  if (seconds < 86400) return Math.floor(seconds / 3600) + "h " + Math.floor((seconds % 3600) / 60) + "m ago";
  return Math.floor(seconds / 86400) + "d ago";
}

function ms(value) {
  if (value === null || value === undefined) return "–";
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}

// ---------- token: asked once when the proxy answers 401, kept in this tab's sessionStorage only

let tokenPrompt = null;

function token() { return sessionStorage.getItem(TOKEN_KEY); }

function askToken(rejected) {
  if (tokenPrompt) return tokenPrompt;
  tokenPrompt = new Promise((resolve) => {
    const dialog = $("token-dialog");
    $("token-why").textContent = rejected
      ? "That token was refused. Enter the proxy's token (or its admin token)."
      : "This proxy needs its token (or its admin token). It is kept in this tab's session only.";
    $("token-input").value = "";
    const done = (value) => {
      dialog.close();
      tokenPrompt = null;
      if (value) sessionStorage.setItem(TOKEN_KEY, value);
      resolve(!!value);
    };
    $("token-form").onsubmit = (event) => { event.preventDefault(); done($("token-input").value.trim()); };
    $("token-cancel").onclick = () => done(null);
    dialog.showModal();
    $("token-input").focus();
  });
  return tokenPrompt;
}

function headers(extra) {
  const all = Object.assign({}, extra);
  const value = token();
  if (value) all["Authorization"] = "Bearer " + value;
  return all;
}

/** fetch with the token; on 401 asks for one (once) and tries again. */
async function authorizedFetch(url, options) {
  for (let attempt = 0; ; attempt++) {
    const sent = token();
    const response = await fetch(url, Object.assign({}, options, { headers: headers(options && options.headers) }));
    if (response.status !== 401 || attempt >= 3) return response;
    if (!(await askToken(!!sent))) return response;
  }
}

async function api(method, path, body) {
  const options = { method, headers: { "Accept": "application/json" } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await authorizedFetch(path, options);
  let json = null;
  try { json = await response.json(); } catch (e) { json = null; }
  return { status: response.status, ok: response.ok, json };
}

// ---------- servers table

async function loadServers() {
  const reply = await api("GET", "/admin/servers");
  if (!reply.ok) {
    notice("Could not read the servers: " + ((reply.json && reply.json.error) || "HTTP " + reply.status), true);
    return;
  }
  const servers = new Map(reply.json.servers.map((server) => [server.name, server]));
  // A state event newer than what this reply read wins: the reply travels on another connection than the feed
  // and may have been read just before a change whose event came first; it would put the old state back (a
  // killed server "ready" again while it reconnects) until the next event. Every transition has its event.
  for (const [name, server] of servers) {
    const shown = view.servers.get(name);
    if (shown && shown.eventAt && Date.parse(server.since || 0) < Date.parse(shown.eventAt)) {
      Object.assign(server, { state: shown.state, status: shown.status, since: shown.since, eventAt: shown.eventAt });
    }
  }
  view.servers = servers;
  view.order = reply.json.servers.map((server) => server.name);
  renderServers();
}

const refreshSoon = (() => {
  let timer = null;
  return (delay) => {
    if (timer) return;
    timer = setTimeout(() => { timer = null; loadServers().catch(reportError); }, delay || 400);
  };
})();

function stateBadge(server) {
  if (server.needsSignIn) return el("span", { class: "state state-signin", text: "needs sign-in" });
  return el("span", { class: "state state-" + server.status, text: server.status });
}

function actionButtons(server) {
  const act = (action) => (event) => { event.stopPropagation(); serverAction(server.name, action); };
  const buttons = [];
  if (server.needsSignIn) {
    buttons.push(el("button", { type: "button", class: "small", dataset: { action: "sign-in" },
      onclick: (event) => { event.stopPropagation(); signIn(server.name).catch(reportError); } }, "Sign in"));
  }
  buttons.push(el("button", { type: "button", class: "quiet small", onclick: act("restart"),
    dataset: { action: "restart" } }, "Restart"));
  if (server.state === "DISABLED") {
    buttons.push(el("button", { type: "button", class: "quiet small", onclick: act("enable"),
      dataset: { action: "enable" } }, "Enable"));
  } else {
    buttons.push(el("button", { type: "button", class: "quiet small", onclick: act("disable"),
      dataset: { action: "disable" } }, "Disable"));
  }
  // Two clicks instead of a native confirm(): nothing modal, nothing removed by a slip. The armed state lives
  // in the view, so a row re-rendered by a live update between the two clicks stays armed.
  const armed = view.armed && view.armed.name === server.name && Date.now() < view.armed.until;
  const remove = el("button", { type: "button", class: "danger small" + (armed ? " armed" : ""),
    dataset: { action: "remove" } }, armed ? "Confirm remove" : "Remove");
  remove.addEventListener("click", (event) => {
    event.stopPropagation();
    if (!(view.armed && view.armed.name === server.name && Date.now() < view.armed.until)) {
      view.armed = { name: server.name, until: Date.now() + 4000 };
      remove.classList.add("armed");
      remove.textContent = "Confirm remove";
      setTimeout(() => { if (view.armed && view.armed.name === server.name) { view.armed = null; renderServers(); } }, 4000);
      return;
    }
    view.armed = null;
    serverAction(server.name, "remove");
  });
  buttons.push(remove);
  return el("div", { class: "actions" }, buttons);
}

function serverRow(server) {
  const calls = server.calls || {};
  const shownAt = view.shownAt.get(server.name);
  const row = el("tr", { dataset: { server: server.name, status: server.status,
      updatedAt: shownAt === undefined ? null : String(shownAt) },
      class: view.selected === server.name ? "selected" : null, onclick: () => select(server.name) },
    el("td", { "data-label": "State", class: "state-cell" }, stateBadge(server),
      el("span", { class: "raw-state", text: server.state + (server.breaker && server.breaker !== "CLOSED"
        ? " · breaker " + server.breaker : "") })),
    el("td", { "data-label": "Server" }, el("span", { class: "name", text: server.name })),
    el("td", { "data-label": "Transport" }, server.transport || "",
      el("span", { class: "raw-state mono", title: "MCP revision it speaks", text: server.revision || "revision –" })),
    el("td", { "data-label": "Tools", class: "num tools-cell", text: server.toolCount < 0 ? "–" : server.toolCount }),
    el("td", { "data-label": "Calls / errors", class: "num calls-cell",
      title: "over the last " + Math.round((calls.windowSeconds || 300) / 60) + " minutes" },
      (calls.calls || 0) + " / ", el("span", { class: calls.errors ? "bad-count" : null, text: calls.errors || 0 })),
    el("td", { "data-label": "p50 / p99", class: "num", title: "latency in ms over the recent window" },
      ms(calls.p50Ms) + " / " + ms(calls.p99Ms) + " ms"),
    el("td", { "data-label": "Changed", class: "since", title: server.since || "" ,
      dataset: { since: server.since || "" } }, ago(server.since)),
    el("td", { "data-label": "Last error" }, server.lastError
      ? el("div", { class: "error-text", title: server.lastError, text: server.lastError }) : "–"),
    el("td", { "data-label": "Actions" }, actionButtons(server)));
  return row;
}

function renderServers() {
  const body = $("servers").tBodies[0];
  body.replaceChildren(...view.order.filter((name) => view.servers.has(name))
    .map((name) => serverRow(view.servers.get(name))));
  $("no-servers").hidden = view.order.length > 0;
  const counts = {};
  for (const server of view.servers.values()) counts[server.status] = (counts[server.status] || 0) + 1;
  $("summary").textContent = view.servers.size + " servers" + Object.keys(counts)
    .sort((a, b) => STATE_ORDER[a] - STATE_ORDER[b]).map((status) => " · " + counts[status] + " " + status).join("");
}

/** A state event: the row changes at once, the rest of the server's figures are re-read shortly after. */
function applyState(event) {
  const server = view.servers.get(event.server);
  if (server) {
    server.state = event.to;
    server.status = event.status;
    server.since = event.at;
    server.eventAt = event.at;
    if (event.status === "down" && event.reason) server.lastError = event.reason;
    const old = document.querySelector('tr[data-server="' + CSS.escape(event.server) + '"]');
    // When the page showed the change (read by the browser tests to measure event -> screen).
    view.shownAt.set(event.server, Date.now());
    const row = serverRow(server);
    if (old) old.replaceWith(row); else renderServers();
    renderSummaryOnly();
  }
  refreshSoon(300);
  if (view.selected === event.server && event.status === "ready") loadDetail(event.server).catch(reportError);
}

function renderSummaryOnly() {
  const counts = {};
  for (const server of view.servers.values()) counts[server.status] = (counts[server.status] || 0) + 1;
  $("summary").textContent = view.servers.size + " servers" + Object.keys(counts)
    .sort((a, b) => STATE_ORDER[a] - STATE_ORDER[b]).map((status) => " · " + counts[status] + " " + status).join("");
}

async function serverAction(name, action) {
  const reply = action === "remove"
    ? await api("DELETE", "/admin/servers/" + encodeURIComponent(name))
    : await api("POST", "/admin/servers/" + encodeURIComponent(name) + "/" + action);
  if (!reply.ok) {
    notice(action + " " + name + " failed: " + ((reply.json && reply.json.error) || "HTTP " + reply.status), true);
    return;
  }
  notice(name + ": " + reply.json.result);
  if (action === "remove" && view.selected === name) closeDetail();
  await loadServers();
}

/**
 * The "Sign in" button: the proxy starts (or returns the pending) sign-in and answers its URL, which opens in a
 * new tab; the link also stays in the notice for a blocked pop-up. The server connects once the sign-in
 * completes (its state event then turns the row ready).
 */
async function signIn(name) {
  const reply = await api("POST", "/admin/servers/" + encodeURIComponent(name) + "/sign-in");
  if (!reply.ok) {
    notice("sign-in of " + name + " failed: " + ((reply.json && reply.json.error) || "HTTP " + reply.status), true);
    return;
  }
  const url = reply.json.url;
  window.open(url, "_blank", "noopener");
  const box = $("notice");
  box.replaceChildren(document.createTextNode(name + ": sign in at "),
    el("a", { href: url, target: "_blank", rel: "noopener", id: "sign-in-link", text: "the sign-in page" }));
  box.classList.remove("bad");
  box.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { box.hidden = true; }, 60000);
}

// ---------- timeline

function addTimeline(event) {
  if (view.timeline.some((item) => item.seq === event.seq)) return;
  view.timeline.unshift(event);
  view.timeline.sort((a, b) => b.seq - a.seq);
  view.timeline.length = Math.min(view.timeline.length, 60);
  renderTimeline();
}

function renderTimeline() {
  $("timeline").replaceChildren(...view.timeline.map((event) => {
    const time = el("time", { datetime: event.at, title: event.at, text: new Date(event.at).toLocaleTimeString() });
    if (event.type === "config") {
      return el("li", { class: "t-config", dataset: { seq: event.seq } }, time,
        el("strong", { text: event.profile ? "profile " + event.profile : event.server || "config" }),
        " " + event.change + " (" + event.source + ")");
    }
    return el("li", { class: "t-" + event.status, dataset: { seq: event.seq, server: event.server } }, time,
      el("strong", { text: event.server }), " " + (event.from || "–") + " → " + event.to + " ",
      el("span", { class: "state state-" + event.status, text: event.status }),
      event.reason ? el("div", { class: "why", text: event.reason }) : null);
  }));
  $("no-timeline").hidden = view.timeline.length > 0;
}

// ---------- live feed: /admin/events over fetch (EventSource cannot send the token)

async function followEvents() {
  let delay = 500;
  for (;;) {
    try {
      const response = await authorizedFetch("/admin/events", {
        headers: Object.assign({ "Accept": "text/event-stream" },
          view.lastSeq ? { "Last-Event-ID": String(view.lastSeq) } : {}) });
      if (!response.ok || !response.body) throw new Error("HTTP " + response.status);
      delay = 500;
      await readEvents(response.body.getReader());
    } catch (error) {
      // A dropped or refused stream: show it, wait, and come back (the state is re-read on reconnect).
    }
    setFeed(false);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 10000);
  }
}

async function readEvents(reader) {
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") type = text;
        else if (field === "data") data.push(text);
      }
      if (data.length) onEvent(type, JSON.parse(data.join("\n")));
    }
  }
}

function setFeed(live) {
  const feed = $("feed");
  feed.textContent = live ? "live" : "reconnecting…";
  feed.className = "feed " + (live ? "feed-on" : "feed-off");
}

function onEvent(type, event) {
  if (event.seq > view.lastSeq) view.lastSeq = event.seq;
  switch (type) {
    case "hello":
      setFeed(true);
      loadServers().catch(reportError);
      loadProfiles().catch(reportError);
      break;
    case "state":
      addTimeline(event);
      applyState(event);
      break;
    case "config":
      addTimeline(event);
      if (event.profile) {
        profileChanged(event);
        break;
      }
      if (event.change === "reloaded") profileChanged(event);
      refreshSoon(200);
      if (view.selected === event.server) {
        if (event.change === "removed") closeDetail(); else loadDetail(event.server).catch(reportError);
      }
      mcp.toolsStale = true;
      break;
    case "breaker":
    case "call":
      refreshSoon(1000);
      break;
    default:
      break;
  }
}

// ---------- one server's details

async function select(name) {
  view.selected = name;
  view.tab = "tools";
  $("search").value = "";
  document.querySelectorAll("#servers tbody tr").forEach((row) =>
    row.classList.toggle("selected", row.dataset.server === name));
  await loadDetail(name);
}

async function loadDetail(name) {
  const reply = await api("GET", "/admin/servers/" + encodeURIComponent(name));
  if (view.selected !== name) return;
  if (!reply.ok) {
    notice("Could not read " + name + ": " + ((reply.json && reply.json.error) || "HTTP " + reply.status), true);
    return;
  }
  view.detail = reply.json;
  $("detail").hidden = false;
  $("detail-title").textContent = name;
  $("detail-config").textContent = JSON.stringify(reply.json.config, null, 2);
  renderItems();
}

function closeDetail() {
  view.selected = null;
  view.detail = null;
  $("detail").hidden = true;
  document.querySelectorAll("#servers tbody tr.selected").forEach((row) => row.classList.remove("selected"));
}

function itemName(tab, item) {
  if (tab === "resources") return item.name || item.uri;
  if (tab === "resourceTemplates") return item.name || item.uriTemplate;
  return item.name;
}

function renderItems() {
  const detail = view.detail;
  if (!detail) return;
  document.querySelectorAll(".tab").forEach((button) => {
    const tab = button.dataset.tab;
    button.classList.toggle("active", tab === view.tab);
    button.setAttribute("aria-selected", String(tab === view.tab));
    button.querySelector(".count").textContent = "(" + (detail[tab] || []).length + ")";
  });
  const query = $("search").value.trim().toLowerCase();
  const all = detail[view.tab] || [];
  const shown = all.filter((item) => !query || [itemName(view.tab, item), item.title, item.description, item.uri,
    item.uriTemplate].some((text) => text && String(text).toLowerCase().includes(query)));
  $("items").replaceChildren(...shown.map((item) => el("li", { dataset: { item: itemName(view.tab, item) } },
    el("span", { class: "item-name", text: itemName(view.tab, item) }),
    el("span", { class: "item-desc", text: item.description || item.title || item.uri || item.uriTemplate || "" }),
    view.tab === "tools" ? el("button", { type: "button", class: "quiet small",
      onclick: () => tryTool(detail.name, item) }, "Try") : null)));
  const empty = $("no-items");
  empty.hidden = shown.length > 0;
  empty.textContent = all.length === 0
    ? (detail.status === "ready" ? "None offered." : "Not connected: nothing to show until the server is ready.")
    : "Nothing matches “" + query + "”.";
}

// ---------- add or edit a server

function openAdd(name, entry) {
  $("add-title").textContent = name ? "Edit " + name : "Add server";
  $("add-name").value = name || "";
  $("add-name").readOnly = !!name;
  if (entry) $("add-entry").value = JSON.stringify(entry, null, 2);
  clearAddErrors();
  $("add").showModal();
  (name ? $("add-entry") : $("add-name")).focus();
}

function clearAddErrors() {
  $("add-name-error").textContent = "";
  $("add-entry-error").replaceChildren();
  $("add-name").removeAttribute("aria-invalid");
  $("add-entry").removeAttribute("aria-invalid");
}

async function submitAdd(event) {
  event.preventDefault();
  clearAddErrors();
  const name = $("add-name").value.trim();
  if (!name) {
    $("add-name-error").textContent = "a server needs a name";
    $("add-name").setAttribute("aria-invalid", "true");
    return;
  }
  $("add-submit").disabled = true;
  try {
    const reply = await api("PUT", "/admin/servers/" + encodeURIComponent(name), $("add-entry").value);
    if (reply.status === 400 && reply.json && reply.json.problems) {
      showProblems(reply.json.problems);
      return;
    }
    if (!reply.ok) {
      $("add-entry-error").replaceChildren(el("li", { text: (reply.json && reply.json.error) || "HTTP " + reply.status }));
      return;
    }
    $("add").close();
    notice(name + " " + reply.json.result);
    await loadServers();
    await select(name);
  } finally {
    $("add-submit").disabled = false;
  }
}

function showProblems(problems) {
  const entryErrors = [];
  for (const problem of problems) {
    if (problem.field === "name") {
      $("add-name-error").textContent = problem.message;
      $("add-name").setAttribute("aria-invalid", "true");
    } else {
      entryErrors.push(el("li", { dataset: { field: problem.field || "" } },
        problem.field ? el("code", { text: problem.field }) : null, problem.field ? ": " : "", problem.message));
    }
  }
  if (entryErrors.length) {
    $("add-entry-error").replaceChildren(...entryErrors);
    $("add-entry").setAttribute("aria-invalid", "true");
  }
}

// ---------- try a tool: a small MCP client over fetch (initialize, then tools/list and tools/call)

const mcp = { session: null, version: null, nextId: 1, tools: [], toolsStale: true };

async function mcpPost(message) {
  const extra = { "Content-Type": "application/json", "Accept": "application/json, text/event-stream" };
  if (mcp.session) extra["Mcp-Session-Id"] = mcp.session;
  if (mcp.version) extra["MCP-Protocol-Version"] = mcp.version;
  const response = await authorizedFetch("/mcp", { method: "POST", headers: extra, body: JSON.stringify(message) });
  const session = response.headers.get("Mcp-Session-Id");
  if (session) mcp.session = session;
  if (message.id === undefined) return null;
  if (response.status === 404 && mcp.session) {
    const expired = new Error("session expired");
    expired.expired = true;
    throw expired;
  }
  const type = response.headers.get("Content-Type") || "";
  const text = await response.text();
  if (!response.ok && !type.includes("json") && !type.includes("event-stream")) {
    throw new Error("HTTP " + response.status + ": " + text.slice(0, 300));
  }
  if (type.includes("text/event-stream")) {
    for (const block of text.replace(/\r\n?/g, "\n").split("\n\n")) {
      const data = block.split("\n").filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, "")).join("\n");
      if (!data) continue;
      const reply = JSON.parse(data);
      if (reply.id === message.id) return reply;
    }
    throw new Error("the stream ended without an answer");
  }
  return JSON.parse(text);
}

async function mcpRequest(method, params) {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (!mcp.session && method !== "initialize") await mcpInitialize();
    try {
      const reply = await mcpPost({ jsonrpc: "2.0", id: mcp.nextId++, method, params: params || {} });
      if (reply.error) {
        const failure = new Error(reply.error.message || JSON.stringify(reply.error));
        failure.rpc = reply.error;
        throw failure;
      }
      return reply.result;
    } catch (error) {
      if (!error.expired || attempt > 0) throw error;
      mcp.session = null;
      mcp.version = null;
    }
  }
  return null;
}

async function mcpInitialize() {
  mcp.session = null;
  mcp.version = null;
  const reply = await mcpPost({ jsonrpc: "2.0", id: mcp.nextId++, method: "initialize", params: {
    protocolVersion: "2025-06-18", capabilities: {},
    clientInfo: { name: "dynamic-mcp-proxy-console", version: "1" } } });
  if (reply.error) throw new Error("initialize failed: " + reply.error.message);
  mcp.version = reply.result.protocolVersion;
  await mcpPost({ jsonrpc: "2.0", method: "notifications/initialized" });
}

async function refreshTools() {
  const select = $("try-tool");
  $("try-status").textContent = "listing tools…";
  try {
    const tools = [];
    let cursor;
    do {
      const result = await mcpRequest("tools/list", cursor ? { cursor } : {});
      tools.push(...(result.tools || []));
      cursor = result.nextCursor;
    } while (cursor && tools.length < 5000);
    mcp.tools = tools;
    mcp.toolsStale = false;
    const current = select.value;
    select.replaceChildren(...tools.map((tool) => el("option", { value: tool.name, text: tool.name })));
    if (tools.some((tool) => tool.name === current)) select.value = current; else fillArguments();
    $("try-status").textContent = tools.length + " tools";
  } catch (error) {
    $("try-status").textContent = "could not list tools: " + error.message;
  }
}

function skeleton(schema) {
  const args = {};
  for (const [key, property] of Object.entries((schema && schema.properties) || {})) {
    if (!(schema.required || []).includes(key)) continue;
    if (property.default !== undefined) args[key] = property.default;
    else if (property.type === "number" || property.type === "integer") args[key] = 0;
    else if (property.type === "boolean") args[key] = false;
    else if (property.type === "array") args[key] = [];
    else if (property.type === "object") args[key] = {};
    else args[key] = "";
  }
  return args;
}

function fillArguments() {
  const tool = mcp.tools.find((item) => item.name === $("try-tool").value);
  $("try-args").value = JSON.stringify(tool ? skeleton(tool.inputSchema) : {}, null, 2);
}

/** "Try" on a server's tool: pick the proxy's name for it (prefixed or not) in the form. */
async function tryTool(server, tool) {
  if (mcp.toolsStale || mcp.tools.length === 0) await refreshTools();
  const candidates = mcp.tools.filter((item) => item.name === tool.name
    || (item.name.endsWith(tool.name) && item.name.startsWith(server)));
  if (candidates.length) {
    $("try-tool").value = candidates[0].name;
    fillArguments();
  }
  $("try-title").scrollIntoView({ behavior: "smooth", block: "start" });
}

async function callTool(event) {
  event.preventDefault();
  const errorBox = $("try-args-error");
  errorBox.textContent = "";
  $("try-args").removeAttribute("aria-invalid");
  let args;
  try {
    args = JSON.parse($("try-args").value || "{}");
    if (typeof args !== "object" || Array.isArray(args) || args === null) throw new Error("must be a JSON object");
  } catch (error) {
    errorBox.textContent = "arguments: " + error.message;
    $("try-args").setAttribute("aria-invalid", "true");
    return;
  }
  const name = $("try-tool").value;
  const result = $("try-result");
  result.hidden = false;
  result.classList.remove("bad");
  result.textContent = "calling " + name + "…";
  const started = performance.now();
  try {
    const answer = await mcpRequest("tools/call", { name, arguments: args });
    const took = Math.round(performance.now() - started);
    const texts = (answer.content || []).filter((part) => part.type === "text").map((part) => part.text);
    result.classList.toggle("bad", !!answer.isError);
    result.textContent = (answer.isError ? "tool error" : "result") + " in " + took + " ms\n\n"
      + (texts.length ? texts.join("\n") + "\n\n" : "") + JSON.stringify(answer, null, 2);
  } catch (error) {
    result.classList.add("bad");
    result.textContent = "error: " + error.message + (error.rpc ? "\n\n" + JSON.stringify(error.rpc, null, 2) : "");
  }
}

// ---------- start

function reportError(error) {
  notice("Error: " + (error && error.message ? error.message : error), true);
}

function wire() {
  $("add-open").addEventListener("click", () => openAdd(null, null));
  $("add-cancel").addEventListener("click", () => $("add").close());
  $("add-form").addEventListener("submit", (event) => submitAdd(event).catch(reportError));
  $("reload").addEventListener("click", async () => {
    const reply = await api("POST", "/admin/reload");
    if (reply.ok) notice("config file reloaded");
    else notice((reply.json && reply.json.error) || "reload failed: HTTP " + reply.status, true);
    await loadServers();
  });
  $("detail-close").addEventListener("click", closeDetail);
  $("detail-edit").addEventListener("click", () => {
    if (view.detail) openAdd(view.detail.name, view.detail.config);
  });
  document.querySelectorAll(".tab").forEach((button) => button.addEventListener("click", () => {
    view.tab = button.dataset.tab;
    renderItems();
  }));
  $("search").addEventListener("input", renderItems);
  $("try-form").addEventListener("submit", (event) => callTool(event).catch(reportError));
  $("try-refresh").addEventListener("click", () => refreshTools().catch(reportError));
  $("try-tool").addEventListener("change", fillArguments);
  setInterval(() => {
    document.querySelectorAll("td.since").forEach((cell) => { cell.textContent = ago(cell.dataset.since); });
  }, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  wire();
  loadServers().catch(reportError);
  loadProfiles().catch(reportError);
  followEvents();
  refreshTools().catch(reportError);
});
