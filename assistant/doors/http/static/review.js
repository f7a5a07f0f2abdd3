// Staff page, editors' section: the review list, fetching official sources, rechecking them.
// Admin routes only (the token from app.js); all server text goes in as text nodes.
"use strict";

const REVIEW_KINDS = {
  stand_alt: "Stand alt", angaben: "Angaben", abgelaufen: "abgelaufen", laeuft_aus: "läuft aus",
  quelle_geaendert: "Quelle geändert", quelle_verschwunden: "Quelle verschwunden", quelle_fehler: "Quelle nicht abrufbar",
};
const CHECK_LABELS = { unveraendert: "unverändert", geaendert: "geändert", verschwunden: "verschwunden", fehler: "Fehler" };

function renderReviewDocuments(docs, months) {
  if (!docs.length) {
    return el("p", { class: "summary", text: `Keine Dokumente zu prüfen (alle jünger als ${months} Monate, Angaben vollständig).` });
  }
  const rows = docs.map((d) => el("tr", {},
    el("td", {}, el("button", { type: "button", class: "link", onclick: () => openDocument(d.doc_id) }, d.title),
      el("br"), provenanceLine(d)),
    el("td", {}, el("ul", { class: "reasons" }, d.reasons.map((r) =>
      el("li", {}, el("span", { class: "reason-kind", text: REVIEW_KINDS[r.kind] || r.kind }), " ", r.text))))));
  return el("div", { class: "table-wrap" }, el("table", { id: "review-documents" },
    el("caption", { text: `Dokumente zu prüfen (${docs.length})` }),
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Dokument" }), el("th", { scope: "col", text: "Was zu tun ist" }))),
    el("tbody", {}, rows)));
}

function renderReviewQuestions(groups, days) {
  if (!groups.length) {
    return el("p", { class: "summary", text: `Keine abgelehnten oder als nicht hilfreich markierten Fragen in den letzten ${days} Tagen.` });
  }
  return el("div", { id: "review-questions" }, el("h3", { text: `Fragen ohne gute Antwort (letzte ${days} Tage), nach Thema` }),
    el("ul", { class: "question-groups" }, groups.map((g) => el("li", {},
      el("strong", { text: g.topic }), el("span", { class: "hint", text: ` – ${g.total}×` }),
      el("ul", {}, g.questions.map((q) => el("li", {}, q.question,
        el("span", { class: "hint", text: ` (abgelehnt ${q.declined}, nicht hilfreich ${q.not_helpful})` }),
        q.comments.length ? el("ul", { class: "evidence" }, q.comments.map((c) => el("li", {}, el("q", { text: c })))) : null)))))));
}

async function loadReview() {
  const days = Number($("#review-days").value) || 90;
  const out = $("#review-result");
  out.replaceChildren(el("p", { class: "summary", text: "Prüfliste wird erstellt …" }));
  try {
    const data = await api("/api/review?days=" + encodeURIComponent(days), { admin: true });
    showError(null);
    out.replaceChildren(renderReviewDocuments(data.documents, data.stand_months), renderReviewQuestions(data.questions, data.days));
  } catch (err) { out.replaceChildren(); showError(err.message); }
}

function renderChecks(report) {
  if (!report.sources.length) return el("p", { class: "summary", text: "Noch keine abgerufenen Quellen." });
  const c = report.counts;
  return el("div", {},
    el("p", { text: `${c.unveraendert} unverändert, ${c.geaendert} geändert, ${c.verschwunden} verschwunden, ${c.fehler} mit Fehler` +
      (report.applied ? " – übernommen." : " – Korpus und Index unverändert.") }),
    el("ul", { class: "outcomes" }, report.sources.map((s) => el("li", { class: s.status === "unveraendert" ? "" : "failed" },
      `${CHECK_LABELS[s.status] || s.status}: ${s.source_url} – ${s.message}`))));
}

async function recheckSources() {
  const out = $("#fetch-result");
  out.replaceChildren(el("p", { class: "summary", text: "Quellen werden neu geladen …" }));
  try {
    const report = await api("/api/sources/recheck", { method: "POST", admin: true });
    showError(null);
    out.replaceChildren(renderChecks(report));
  } catch (err) { out.replaceChildren(); showError(err.message); }
}

async function fetchSource(event) {
  event.preventDefault();
  const form = $("#fetch-form");
  const body = { url: form.elements.url.value.trim() };
  for (const name of ["type", "status"]) if (form.elements[name].value) body[name] = form.elements[name].value;
  for (const name of ["land", "programm"]) {
    const value = form.elements[name].value.trim();
    if (value) body[name] = value.split(",").map((v) => v.trim()).filter(Boolean);
  }
  const out = $("#fetch-result");
  out.replaceChildren(el("p", { class: "summary", text: "Quelle wird abgerufen und indexiert …" }));
  try {
    const r = await api("/api/sources", { method: "POST", json: body, admin: true });
    showError(null);
    const verb = r.changed === null ? "aufgenommen" : r.changed ? "aktualisiert (Text geändert)" : "erneut abgerufen (unverändert)";
    out.replaceChildren(el("p", {}, `„${r.title}“ ${verb}: ${r.chunks} Abschnitte, abgerufen am ${formatDate(r.abgerufen_am.slice(0, 10))}.`),
      ...r.warnings.map((w) => el("p", { class: "hint", text: "Hinweis: " + w })));
    form.elements.url.value = "";
    loadDocuments();
    loadStatus();
  } catch (err) { out.replaceChildren(); showError(err.message); }
}

document.addEventListener("DOMContentLoaded", () => {
  fillSelect($("#fetch-type"), Object.keys(TYPE_LABELS).filter((t) => t !== "dokument"), TYPE_LABELS);
  $("#review-load").addEventListener("click", loadReview);
  $("#fetch-form").addEventListener("submit", fetchSource);
  $("#recheck").addEventListener("click", recheckSources);
});
