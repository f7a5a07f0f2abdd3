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
const STOP = new Set(["der", "die", "das", "und", "oder", "wie", "was", "wer", "wo", "gibt", "es", "ein", "eine",
  "einen", "fuer", "mit", "von", "zu", "zum", "zur", "im", "in", "ist", "sind", "ich", "wir", "kann", "bei", "auf"]);

const state = { page: 1, k: 10, lastQuery: null };

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

function fold(word) {
  return word.toLowerCase().replace(/ä/g, "ae").replace(/ö/g, "oe").replace(/ü/g, "ue").replace(/ß/g, "ss");
}

function highlightTerms(query, analysed) {
  const words = (query.match(/[\p{L}\p{N}]+/gu) || []).map(fold).filter((w) => w.length >= 3 && !STOP.has(w));
  return [...new Set([...words, ...(analysed || []).map(fold).filter((t) => t.length >= 3)])];
}

// Single line breaks inside a paragraph are soft (Markdown, PDF lines); blank lines stay.
function flow(text) {
  return text.replace(/([^\n])\n(?!\n)/g, "$1 ");
}

// Text with <mark> around words that start with (or, for longer terms, contain) a query term.
function highlighted(text, terms) {
  text = flow(text);
  const fragment = document.createDocumentFragment();
  if (!terms.length) { fragment.append(text); return fragment; }
  let last = 0;
  for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = fold(match[0]);
    const hit = terms.some((t) => word.startsWith(t) || (t.length >= 5 && word.includes(t)));
    if (!hit) continue;
    fragment.append(text.slice(last, match.index), el("mark", { text: match[0] }));
    last = match.index + match[0].length;
  }
  fragment.append(text.slice(last));
  return fragment;
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

function setupTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab, focus = true) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      $("#" + t.getAttribute("aria-controls")).hidden = !on;
    }
    if (focus) tab.focus();
    if (tab.id === "tab-dokumente") loadDocuments();
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      select(tabs[(moves[event.key] + tabs.length) % tabs.length]);
    });
  });
}

// ---------- status and facets ----------

async function loadStatus() {
  try {
    const health = await api("/health");
    $("#status").textContent =
      `Index ${health.generation}: ${health.documents} Dokumente, ${health.chunks} Abschnitte`;
    const facets = await api("/api/facets");
    fillSelect($("#f-type"), facets.type, TYPE_LABELS);
    fillSelect($("#m-type"), facets.type, TYPE_LABELS);
    fillSelect($("#f-region"), facets.region);
    fillSelect($("#f-land"), facets.land);
    fillSelect($("#check-region"), facets.region);
    fillSelect($("#f-programm"), facets.programm);
  } catch (err) {
    $("#status").textContent = err.data && err.data.message ? err.data.message : err.message;
    $("#status").classList.add("bad");
  }
}

function currentFilters() {
  const f = {};
  for (const [key, id] of [["type", "#f-type"], ["region", "#f-region"], ["land", "#f-land"], ["programm", "#f-programm"]]) {
    if ($(id).value) f[key] = [$(id).value];
  }
  if ($("#f-stand").value) f.stand_after = $("#f-stand").value;
  return f;
}

// ---------- search ----------

async function runSearch(page = 1) {
  const q = $("#q").value.trim();
  if (!q) { showError("Bitte einen Suchbegriff eingeben."); $("#q").focus(); return; }
  const params = new URLSearchParams({ q, k: String(state.k), page: String(page) });
  for (const [key, value] of Object.entries(currentFilters())) {
    for (const v of [].concat(value)) params.append(key, v);
  }
  $("#search-summary").textContent = "Suche läuft …";
  try {
    const data = await api("/api/search?" + params);
    showError(null);
    state.page = page;
    renderResults(data);
  } catch (err) {
    $("#search-summary").textContent = "";
    showError(err.message);
  }
}

function renderResults(data) {
  const list = $("#results");
  list.replaceChildren();
  const terms = highlightTerms(data.query, data.query_terms);
  const n = data.total_documents;
  const where = data.located_lands.length
    ? ` · Ort erkannt: ${data.located_lands.join(", ")} – Dokumente anderer Länder stehen weiter unten`
    : "";
  $("#search-summary").textContent = n === 0
    ? "Keine Treffer. Andere Begriffe oder weniger Filter versuchen."
    : `${n} ${n === 1 ? "Dokument" : "Dokumente"} gefunden${where}`;
  for (const hit of data.hits) {
    const meta = TYPE_LABELS[hit.type] || hit.type;
    const url = safeUrl(hit.source_url);
    const passages = hit.passages.map((p) => el("li", { class: "passage" },
      el("span", { class: "where", text: [p.heading_path.join(" › "), p.page ? `S. ${p.page}` : null].filter(Boolean).join(" · ") }),
      el("p", {}, highlighted(p.text, terms))));
    list.append(el("li", { class: "hit" },
      el("article", { "aria-labelledby": "hit-" + hit.doc_id },
        el("h3", { id: "hit-" + hit.doc_id, text: hit.title }),
        el("p", { class: "meta" }, meta, " · ", provenanceLine(hit)),
        el("ul", { class: "passages" }, passages),
        el("p", { class: "links" },
          el("button", { type: "button", class: "link", onclick: () => openDocument(hit.doc_id, terms) }, "Dokument anzeigen"),
          url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, "Quelle öffnen") : null))));
  }
  const pages = Math.ceil(n / state.k);
  $("#pager").hidden = pages <= 1;
  $("#page-info").textContent = `Seite ${state.page} von ${pages}`;
  $("#prev").disabled = state.page <= 1;
  $("#next").disabled = state.page >= pages;
}

async function openDocument(docId, terms = []) {
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
      el("p", {}, highlighted(c.text, terms)))));
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
  const body = el("p", { class: "answer-text" });
  for (const part of answerBody(answer).split(/(\[\d+\])/)) {
    const m = part.match(/^\[(\d+)\]$/);
    if (m && answer.sources.some((s) => s.number === Number(m[1]))) {
      body.append(el("a", { href: "#src-" + answer.answer_id + "-" + m[1], class: "cite" }, part));
    } else body.append(part);
  }
  const sources = answer.sources.map((s) => {
    const where = [s.heading, s.page ? `S. ${s.page}` : null].filter(Boolean).join(" · ");
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
      el("p", { class: "meta", text: `Sicherheit ${Math.round(answer.confidence * 100)} %` }),
      el("div", { class: "feedback" }, "War das hilfreich? ",
        el("button", { type: "button", class: "secondary", onclick: () => sendFeedback(true) }, "Ja"), " ",
        el("button", { type: "button", class: "secondary", onclick: () => sendFeedback(false) }, "Nein"), " ",
        feedbackNote)));
}

async function ask(event) {
  event.preventDefault();
  const question = $("#question").value.trim();
  if (!question) return;
  $("#answer").replaceChildren(el("p", { class: "summary", text: "Antwort wird erstellt …" }));
  try {
    const answer = await api("/api/ask", { method: "POST",
      json: { question, conversation_id: conversationId(), filters: currentFilters() } });
    showError(null);
    renderAnswer($("#answer"), answer);
  } catch (err) { $("#answer").replaceChildren(); showError(err.message); }
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

// ---------- documents and admin ----------

function updateAdmin() {
  const on = Boolean(token());
  $("#admin-tools").hidden = !on;
  $("#logout").hidden = !on;
  $("#login").hidden = on;
  $("#token").disabled = on;
  $("#token").value = on ? "••••••••" : "";
}

async function login(event) {
  event.preventDefault();
  const value = $("#token").value.trim();
  if (!value) return;
  sessionStorage.setItem(TOKEN_KEY, value);
  try {
    await api("/api/stats?days=1", { admin: true });  // checks the token
    showError(null);
  } catch (err) {
    sessionStorage.removeItem(TOKEN_KEY);
    showError(err.message);
  }
  updateAdmin();
  loadDocuments();
}

function logout() {
  sessionStorage.removeItem(TOKEN_KEY);
  updateAdmin();
  loadDocuments();
}

async function loadDocuments() {
  try {
    const data = await api("/api/documents?per_page=200");
    const rows = data.documents.map((d) => el("tr", {},
      el("td", {}, el("button", { type: "button", class: "link", onclick: () => openDocument(d.doc_id) }, d.title)),
      el("td", { text: TYPE_LABELS[d.type] || d.type }),
      el("td", { text: d.land.join(", ") }),
      el("td", {}, formatDate(d.stand) || "–", statusNode(d) ? el("br") : null, statusNode(d)),
      el("td", { class: "num", text: String(d.chunk_count) }),
      el("td", {}, token() ? el("button", { type: "button", class: "danger",
        "aria-label": `„${d.title}“ entfernen`, onclick: () => removeDocument(d) }, "Entfernen") : null)));
    $("#documents tbody").replaceChildren(...rows);
  } catch (err) {
    $("#documents tbody").replaceChildren();
    showError(err.message);
  }
}

async function removeDocument(d) {
  const what = d.uploaded ? "aus dem Index entfernen und die hochgeladene Datei löschen" : "aus dem Index entfernen";
  if (!window.confirm(`„${d.title}“ ${what}?`)) return;
  try {
    const result = await api("/api/documents/" + encodeURIComponent(d.doc_id), { method: "DELETE", admin: true });
    showError(result.notice || null);
    loadDocuments();
    loadStatus();
  } catch (err) { showError(err.message); }
}

async function upload(event) {
  event.preventDefault();
  const form = $("#upload-form");
  const data = new FormData();
  for (const file of $("#files").files) data.append("files", file);
  for (const name of ["title", "type", "region", "land", "programm", "source_url", "stand"]) {
    const value = form.elements[name].value.trim();
    if (value) data.append(name, value);
  }
  const out = $("#upload-result");
  out.replaceChildren(el("p", { class: "summary", text: "Wird hochgeladen und indexiert …" }));
  try {
    const result = await api("/api/documents", { method: "POST", body: data, admin: true });
    showError(null);
    out.replaceChildren(el("ul", { class: "outcomes" }, result.files.map((f) => el("li", { class: f.status },
      `${f.file}: ${f.status === "failed" ? "nicht aufgenommen – " + f.reason : `aufgenommen (${f.chunks} Abschnitte)`}`,
      ...f.warnings.map((w) => el("span", { class: "hint", text: " Hinweis: " + w }))))));
    form.reset();
    loadDocuments();
    loadStatus();
  } catch (err) {
    out.replaceChildren();
    const files = err.data && err.data.details && err.data.details.files;
    showError(files ? err.message + " " + files.map((f) => `${f.file}: ${f.reason}`).join(" ") : err.message);
  }
}

async function reindex() {
  const out = $("#job");
  try {
    let job = await api("/api/reindex", { method: "POST", admin: true });
    const bar = el("progress", { max: "1", value: "0", "aria-label": "Fortschritt der Neuindexierung" });
    const label = el("span", { class: "hint" });
    out.replaceChildren(bar, " ", label);
    while (job.state === "queued" || job.state === "running") {
      const total = job.chunks_total || job.files_total;
      const done = job.chunks_total ? job.chunks_done : job.files_done;
      if (total) { bar.max = String(total); bar.value = String(done); }
      label.textContent = job.chunks_total ? `${done} von ${total} Abschnitten eingebettet`
        : `${job.files_done} von ${job.files_total ?? "?"} Dateien gelesen`;
      await new Promise((resolve) => setTimeout(resolve, 700));
      job = await api("/api/jobs/" + job.job_id, { admin: true });
    }
    if (job.state === "failed") { out.replaceChildren(); showError(job.error.message); return; }
    const c = job.report.counts;
    out.replaceChildren(el("p", { text:
      `Fertig: ${c.added} neu, ${c.updated} aktualisiert, ${c.removed} entfernt, ${c.failed} fehlgeschlagen – ` +
      `${job.report.documents} Dokumente, ${job.report.chunks} Abschnitte.` }));
    loadDocuments();
    loadStatus();
  } catch (err) { showError(err.message); }
}

// ---------- start ----------

document.addEventListener("DOMContentLoaded", () => {
  setupTabs();
  $("#search-form").addEventListener("submit", (event) => { event.preventDefault(); runSearch(1); });
  $("#search-form").addEventListener("reset", () => {
    $("#results").replaceChildren(); $("#search-summary").textContent = ""; $("#pager").hidden = true; showError(null);
  });
  $("#prev").addEventListener("click", () => runSearch(state.page - 1));
  $("#next").addEventListener("click", () => runSearch(state.page + 1));
  $("#ask-form").addEventListener("submit", ask);
  $("#new-conversation").addEventListener("click", () => {
    sessionStorage.removeItem(CONVERSATION_KEY);
    $("#answer").replaceChildren();
    $("#question").value = "";
    $("#question").focus();
  });
  $("#check-form").addEventListener("submit", checkProject);
  $("#token-form").addEventListener("submit", login);
  $("#logout").addEventListener("click", logout);
  $("#upload-form").addEventListener("submit", upload);
  $("#reindex").addEventListener("click", reindex);
  $("#doc-close").addEventListener("click", () => $("#doc-dialog").close());
  updateAdmin();
  loadStatus();
});
