// Revierlotse staff page: plain DOM, no libraries, nothing loaded from the internet.
// All text from the server is inserted with textContent / text nodes, never as HTML.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const TOKEN_KEY = "revierlotse.adminToken";
const CONVERSATION_KEY = "revierlotse.conversation";
const TYPE_LABELS = {
  strategie: "Strategie", foerderprogramm: "Förderprogramm", projekt: "Projekt",
  akteur: "Akteur", veranstaltung: "Veranstaltung", dokument: "Dokument",
};
let facetsLoaded;
// Resolved once the filter menus are filled, so a search from the address finds its filter values.
const facetsReady = new Promise((resolve) => { facetsLoaded = resolve; });

// ---------- helpers ----------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

function showError(message) {
  const box = $("#error");
  if (!message) { box.hidden = true; box.textContent = ""; return; }
  box.textContent = message;
  box.hidden = false;
}

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  if (options.admin && token()) headers.set("Authorization", "Bearer " + token());
  if (options.json !== undefined) {
    headers.set("Content-Type", "application/json");
    options.body = JSON.stringify(options.json);
  }
  let response;
  try {
    response = await fetch(path, { method: options.method || "GET", headers, body: options.body });
  } catch (err) {
    throw new Error("Der Server ist nicht erreichbar. Bitte Verbindung prüfen.");
  }
  let data = null;
  try { data = await response.json(); } catch (err) { data = null; }
  if (!response.ok) {
    const error = new Error((data && data.message) || `Fehler ${response.status}`);
    error.status = response.status;
    error.data = data;
    throw error;
  }
  return data;
}

function safeUrl(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
}

function formatDate(iso) {
  if (!iso) return null;
  const [y, m, d] = iso.split("-");
  return `${d}.${m}.${y}`;
}

function fillSelect(select, values, labels = {}) {
  const keep = select.value;
  select.replaceChildren(select.options[0]);
  for (const value of values) select.append(el("option", { value, text: labels[value] || value }));
  if (values.includes(keep)) select.value = keep;
}

// ---------- tabs (WAI-ARIA tabs pattern: arrows, Home, End) ----------

function selectTab(tab, focus = true) {
  for (const t of document.querySelectorAll('[role="tab"]')) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $("#" + t.getAttribute("aria-controls")).hidden = !on;
  }
  if (focus) tab.focus();
  if (tab.id === "tab-dokumente") loadDocuments();
  if (tab.id === "tab-antwort") showAskFilters();
}

function setupTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      selectTab(tabs[(moves[event.key] + tabs.length) % tabs.length]);
    });
  });
}

// ---------- status and facets ----------

function countText(n, one, many) {
  return `${n.toLocaleString("de-DE")} ${n === 1 ? one : many}`;
}

// For staff, not for engineers: how much the knowledge base holds and since when, no generation names.
function statusText(health) {
  const since = health.created_at ? new Date(health.created_at) : null;
  const when = since && !Number.isNaN(since.getTime())
    ? ` · aktualisiert am ${since.toLocaleDateString("de-DE")} um ${since.toLocaleTimeString("de-DE", { hour: "2-digit", minute: "2-digit" })} Uhr`
    : "";
  if (!health.documents) return "Wissensbestand leer – noch keine Dokumente aufgenommen";
  return `Wissensbestand: ${countText(health.documents, "Dokument", "Dokumente")}` +
    ` in ${countText(health.chunks, "Abschnitt", "Abschnitten")}${when}`;
}

async function loadStatus() {
  try {
    const health = await api("/health");
    $("#status").textContent = statusText(health);
    $("#status").classList.remove("bad");
    const facets = await api("/api/facets");
    fillSelect($("#f-type"), facets.type, TYPE_LABELS);
    fillSelect($("#m-type"), facets.type, TYPE_LABELS);
    fillSelect($("#f-region"), facets.region);
    fillSelect($("#f-land"), facets.land);
    fillSelect($("#check-region"), facets.check_regions);
    fillSelect($("#f-programm"), facets.programm);
  } catch (err) {
    const why = err.data && err.data.message ? err.data.message : err.message;
    $("#status").textContent = "Suche derzeit nicht möglich: " + why;
    $("#status").classList.add("bad");
  }
  facetsLoaded();
}

async function openDocument(docId, marks = new Set()) {
  try {
    const data = await api("/api/documents/" + encodeURIComponent(docId));
    const d = data.document;
    $("#doc-title").textContent = d.title;
    const meta = [TYPE_LABELS[d.type] || d.type, d.land.join(", "), d.stand ? "Stand " + formatDate(d.stand) : null];
    const url = safeUrl(d.source_url);
    $("#doc-meta").replaceChildren(meta.filter(Boolean).join(" · "),
      url ? el("span", {}, " · ", el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, "Quelle")) : "");
    $("#doc-chunks").replaceChildren(...data.chunks.map((c) => el("section", { class: "chunk" },
      el("h3", { text: [c.heading_path.join(" › "), c.page ? `S. ${c.page}` : null].filter(Boolean).join(" · ") || "Abschnitt" }),
      el("div", { class: "md" }, renderMarkdown(c.text, marks)))));
    $("#doc-dialog").showModal();
    $("#doc-close").focus();
  } catch (err) {
    showError(err.message);
  }
}

// ---------- answers ----------

function conversationId() {
  let id = sessionStorage.getItem(CONVERSATION_KEY);
  if (!id) {
    id = "web-" + Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
    sessionStorage.setItem(CONVERSATION_KEY, id);
  }
  return id;
}

function renderAnswer(target, answer) {
  // One entry per document: [1][2][3] citing three passages of one document become [1] (citations.js).
  const merged = mergeCitations(answer);
  const body = el("p", { class: "answer-text" });
  for (const part of merged.text.split(/(\[\d+\])/)) {
    const m = part.match(/^\[(\d+)\]$/);
    if (m && merged.sources.some((s) => s.number === Number(m[1]))) {
      body.append(el("a", { href: "#src-" + answer.answer_id + "-" + m[1], class: "cite" }, part));
    } else body.append(part);
  }
  const sources = merged.sources.map((s) => {
    const where = s.places.join("; ");
    return el("li", { id: `src-${answer.answer_id}-${s.number}`, value: String(s.number) },
      el("strong", { text: s.title }), where ? " – " + where : "", " – ", provenanceLine(s), " · ",
      el("button", { type: "button", class: "link", onclick: () => openDocument(s.doc_id) }, "Dokument anzeigen"));
  });
  const feedbackNote = el("span", { class: "hint", role: "status" });
  const sendFeedback = async (helpful) => {
    try {
      await api("/api/feedback", { method: "POST", json: { answer_id: answer.answer_id, helpful } });
      feedbackNote.textContent = "Danke für die Rückmeldung!";
    } catch (err) { showError(err.message); }
  };
  target.replaceChildren(
    el("div", { class: "card" + (answer.abstained ? " abstained" : "") },
      answer.abstained ? el("p", { class: "badge", text: "Keine sichere Antwort" }) : null,
      body,
      answer.notices.length ? el("ul", { class: "notices", "aria-label": "Hinweise" },
        answer.notices.map((n) => el("li", { text: n }))) : null,
      sources.length ? el("div", {}, el("h3", { text: "Quellen" }), el("ol", { class: "sources" }, sources)) : null,
      answer.contacts.length ? el("div", {}, el("h3", { text: "Ansprechpartner" }),
        el("ul", {}, answer.contacts.map((c) => {
          const url = safeUrl(c.source_url);
          return el("li", {}, url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, c.title) : c.title);
        }))) : null,
      bindingNote(answer),
      el("p", { class: "meta", text: `Sicherheit ${Math.round(answer.confidence * 100)} %` + filtersNote(answer.filters) }),
      el("div", { class: "feedback" }, "War das hilfreich? ",
        el("button", { type: "button", class: "secondary", onclick: () => sendFeedback(true) }, "Ja"), " ",
        el("button", { type: "button", class: "secondary", onclick: () => sendFeedback(false) }, "Nein"), " ",
        feedbackNote)));
}

function renderMatches(title, matches) {
  if (!matches.length) return null;
  return el("div", { class: "matches" }, el("h3", { text: title }), el("ul", {}, matches.map((m) => {
    const facts = [m.foerderart, m.frist ? "Frist: " + m.frist : null, m.land.join(", ")].filter(Boolean).join(" · ");
    return el("li", {},
      el("strong", { text: m.title }), facts ? el("span", { class: "meta", text: " – " + facts }) : null, " ",
      el("button", { type: "button", class: "link", onclick: () => openDocument(m.doc_id) }, "Dokument anzeigen"),
      el("br"), provenanceLine(m),
      m.evidence.length ? el("ul", { class: "evidence" }, m.evidence.slice(0, 2).map((e) =>
        el("li", {}, el("q", { text: e.document_sentence }), e.heading ? el("span", { class: "where", text: " (" + e.heading + ")" }) : null))) : null,
      m.eligibility_note ? el("p", { class: "notice", text: "Achtung: " + m.eligibility_note }) : null);
  })));
}

function renderProjectCheck(target, check) {
  target.replaceChildren(el("div", { class: "card" },
    check.notices.length ? el("ul", { class: "notices", "aria-label": "Hinweise" }, check.notices.map((n) => el("li", { text: n }))) : null,
    renderMatches("Passende Förderprogramme", check.programmes),
    renderClosedProgrammes(check.closed_programmes),
    renderMatches("Passende Strategiefelder", check.strategies),
    renderMatches("Ansprechpartner", check.contacts),
    !check.programmes.length && !(check.closed_programmes || []).length && !check.strategies.length
      ? el("p", { text: "Im Wissensbestand passt nichts deutlich zu dieser Beschreibung." }) : null,
    check.summary ? el("details", { class: "copy" }, el("summary", { text: "Als Text (zum Kopieren)" }),
      el("pre", { text: check.summary })) : null));
}

async function checkProject(event) {
  event.preventDefault();
  const description = $("#project").value.trim();
  if (!description) return;
  const region = $("#check-region").value || null;
  $("#check-result").replaceChildren(el("p", { class: "summary", text: "Projekt wird geprüft …" }));
  try {
    const check = await api("/api/project-check", { method: "POST", json: { description, region } });
    showError(null);
    renderProjectCheck($("#check-result"), check);
  } catch (err) { $("#check-result").replaceChildren(); showError(err.message); }
}

// ---------- start ----------

document.addEventListener("DOMContentLoaded", () => {
  setupTabs();
  $("#check-form").addEventListener("submit", checkProject);
  $("#doc-close").addEventListener("click", () => $("#doc-dialog").close());
  loadStatus();
});
