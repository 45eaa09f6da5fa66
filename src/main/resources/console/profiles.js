// The console's profiles panel: lists /admin/profiles (each profile's servers with their tool patterns, whether
// it has a token, its open sessions), adds or replaces one from the same JSON as the file's "profiles" entry
// (errors next to the field) and removes one. Uses the helpers of console.js, which is loaded first.
"use strict";

const profiles = {
  list: [],
  shown: null,      // the profile whose tools are listed under the table
  armed: null,      // { name, until }: a Remove button clicked once
};

const PROFILE_EXAMPLE = {
  servers: {
    github: { tools: { allow: ["get_*", "list_*"], deny: ["delete_*"] } },
  },
};

async function loadProfiles() {
  const reply = await api("GET", "/admin/profiles");
  if (!reply.ok) {
    notice("Could not read the profiles: " + ((reply.json && reply.json.error) || "HTTP " + reply.status), true);
    return;
  }
  profiles.list = reply.json.profiles;
  renderProfiles();
  if (profiles.shown) {
    if (profiles.list.some((profile) => profile.name === profiles.shown)) await showProfileTools(profiles.shown);
    else hideProfileTools();
  }
}

/** A config event about a profile (or a reload): re-read the list, soon. */
const profileChanged = (() => {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => { timer = null; loadProfiles().catch(reportError); }, 200);
  };
})();

function patternChips(filter) {
  const allow = filter.allow || [];
  const deny = filter.deny || [];
  const chips = [];
  if (allow.length === 0) chips.push(el("span", { class: "pattern all", title: "every tool", text: "all tools" }));
  for (const glob of allow) chips.push(el("span", { class: "pattern allow", title: "allowed", text: glob }));
  for (const glob of deny) chips.push(el("span", { class: "pattern deny", title: "denied", text: "¬ " + glob }));
  return chips;
}

function profileRow(profile) {
  const servers = Object.entries(profile.servers || {});
  const act = (handler) => (event) => { event.stopPropagation(); handler(); };
  const armed = profiles.armed && profiles.armed.name === profile.name && Date.now() < profiles.armed.until;
  const remove = el("button", { type: "button", class: "danger small" + (armed ? " armed" : ""),
    dataset: { action: "remove" } }, armed ? "Confirm remove" : "Remove");
  remove.addEventListener("click", act(() => {
    if (!(profiles.armed && profiles.armed.name === profile.name && Date.now() < profiles.armed.until)) {
      profiles.armed = { name: profile.name, until: Date.now() + 4000 };
      remove.classList.add("armed");
      remove.textContent = "Confirm remove";
      setTimeout(() => {
        if (profiles.armed && profiles.armed.name === profile.name) { profiles.armed = null; renderProfiles(); }
      }, 4000);
      return;
    }
    profiles.armed = null;
    removeProfile(profile.name).catch(reportError);
  }));
  return el("tr", { dataset: { profile: profile.name }, class: profiles.shown === profile.name ? "selected" : null,
      onclick: () => showProfileTools(profile.name).catch(reportError) },
    el("td", { "data-label": "Profile" }, el("span", { class: "name", text: profile.name }),
      el("span", { class: "raw-state mono", text: profile.path })),
    el("td", { "data-label": "Servers" }, servers.length === 0 ? el("span", { class: "hint", text: "no server" })
      : el("ul", { class: "patterns" }, servers.map(([server, filter]) => el("li", { dataset: { server } },
        el("strong", { text: server }), " ", patternChips(filter))))),
    el("td", { "data-label": "Token" }, profile.hasToken ? "own token" : "–"),
    el("td", { "data-label": "Sessions", class: "num", text: profile.sessions }),
    el("td", { "data-label": "Actions" }, el("div", { class: "actions" },
      el("button", { type: "button", class: "quiet small", dataset: { action: "edit" },
        onclick: act(() => openProfile(profile.name, profile.config)) }, "Edit"),
      remove)));
}

function renderProfiles() {
  $("profiles").tBodies[0].replaceChildren(...profiles.list.map(profileRow));
  $("no-profiles").hidden = profiles.list.length > 0;
  $("profiles").hidden = profiles.list.length === 0;
}

async function showProfileTools(name) {
  const reply = await api("GET", "/admin/profiles/" + encodeURIComponent(name));
  if (!reply.ok) {
    if (reply.status === 404) hideProfileTools();
    else notice("Could not read profile " + name + ": " + ((reply.json && reply.json.error) || "HTTP " + reply.status), true);
    return;
  }
  profiles.shown = name;
  const tools = reply.json.tools || [];
  $("profile-tools").hidden = false;
  $("profile-tools-title").textContent = "Tools on /mcp/" + name + " (" + tools.length + ")";
  $("profile-tools-list").replaceChildren(...(tools.length ? tools.map((tool) => el("li", { dataset: { item: tool.name } },
    el("span", { class: "item-name", text: tool.name }),
    el("span", { class: "item-desc", text: tool.description || tool.title || "" })))
    : [el("li", { class: "empty", text: "None: its servers are not connected, or their tools are filtered out." })]));
  document.querySelectorAll("#profiles tbody tr").forEach((row) =>
    row.classList.toggle("selected", row.dataset.profile === name));
}

function hideProfileTools() {
  profiles.shown = null;
  $("profile-tools").hidden = true;
}

// ---------- add or replace a profile

function openProfile(name, entry) {
  $("profile-title").textContent = name ? "Edit profile " + name : "Add profile";
  $("profile-name").value = name || "";
  $("profile-name").readOnly = !!name;
  $("profile-entry").value = JSON.stringify(entry || PROFILE_EXAMPLE, null, 2);
  clearProfileErrors();
  $("profile-dialog").showModal();
  (name ? $("profile-entry") : $("profile-name")).focus();
}

function clearProfileErrors() {
  $("profile-name-error").textContent = "";
  $("profile-entry-error").replaceChildren();
  $("profile-name").removeAttribute("aria-invalid");
  $("profile-entry").removeAttribute("aria-invalid");
}

async function submitProfile(event) {
  event.preventDefault();
  clearProfileErrors();
  const name = $("profile-name").value.trim();
  if (!name) {
    $("profile-name-error").textContent = "a profile needs a name (it is the path /mcp/{name})";
    $("profile-name").setAttribute("aria-invalid", "true");
    return;
  }
  $("profile-submit").disabled = true;
  try {
    const reply = await api("PUT", "/admin/profiles/" + encodeURIComponent(name), $("profile-entry").value);
    if (reply.status === 400 && reply.json && reply.json.problems) {
      showProfileProblems(reply.json.problems);
      return;
    }
    if (!reply.ok) {
      $("profile-entry-error").replaceChildren(el("li", { text: (reply.json && reply.json.error) || "HTTP " + reply.status }));
      return;
    }
    $("profile-dialog").close();
    notice("profile " + name + " " + reply.json.result);
    await loadProfiles();
    await showProfileTools(name);
  } finally {
    $("profile-submit").disabled = false;
  }
}

function showProfileProblems(problems) {
  const entryErrors = [];
  for (const problem of problems) {
    if (problem.field === "name") {
      $("profile-name-error").textContent = problem.message;
      $("profile-name").setAttribute("aria-invalid", "true");
    } else {
      entryErrors.push(el("li", { dataset: { field: problem.field || "" } },
        problem.field ? el("code", { text: problem.field }) : null, problem.field ? ": " : "", problem.message));
    }
  }
  if (entryErrors.length) {
    $("profile-entry-error").replaceChildren(...entryErrors);
    $("profile-entry").setAttribute("aria-invalid", "true");
  }
}

async function removeProfile(name) {
  const reply = await api("DELETE", "/admin/profiles/" + encodeURIComponent(name));
  if (!reply.ok) {
    notice("remove profile " + name + " failed: " + ((reply.json && reply.json.error) || "HTTP " + reply.status), true);
    return;
  }
  notice("profile " + name + ": " + reply.json.result);
  if (profiles.shown === name) hideProfileTools();
  await loadProfiles();
}

document.addEventListener("DOMContentLoaded", () => {
  $("profile-open").addEventListener("click", () => openProfile(null, null));
  $("profile-cancel").addEventListener("click", () => $("profile-dialog").close());
  $("profile-form").addEventListener("submit", (event) => submitProfile(event).catch(reportError));
});
