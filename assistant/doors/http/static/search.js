// Staff page, search tab: query, filters, sorting and page live in the address (shareable; Back and
// Forward restore them), hits render their Markdown safely with whole-word highlights, the counts per
// filter value come from the API, and low confidence shows as "Unsichere Treffer".
// Uses app.js (el, api, showError, TYPE_LABELS, openDocument) and markdown.js (renderMarkdown).
"use strict";

const SEARCH_FILTERS = [["type", "#f-type"], ["region", "#f-region"], ["land", "#f-land"], ["programm", "#f-programm"]];
const FACET_LABELS = { type: "Dokumenttyp", region: "Region", land: "Land", programm: "Programm" };
const SORT_VALUES = ["relevance", "stand", "title"];
const searchState = { page: 1, k: 10 };

function currentFilters() {
  const f = {};
  for (const [key, id] of SEARCH_FILTERS) if ($(id).value) f[key] = [$(id).value];
  if ($("#f-stand").value) f.stand_after = $("#f-stand").value;
  return f;
}

// The search as URL parameters: the address bar, the API call and Back/Forward all use this one form.
function searchParams(page) {
  const params = new URLSearchParams();
  params.set("q", $("#q").value.trim());
  for (const [key, value] of Object.entries(currentFilters())) for (const v of [].concat(value)) params.append(key, v);
  if ($("#sort").value !== "relevance") params.set("sort", $("#sort").value);
  if (page > 1) params.set("page", String(page));
  return params;
}

// Fill the form from the address; filter values the menus do not offer (yet) are added, so a shared
// link keeps its filter and the API names an unknown one.
function formFromUrl(params) {
  $("#q").value = params.get("q") || "";
  for (const [key, id] of SEARCH_FILTERS) {
    const value = params.get(key) || "";
    const select = $(id);
    if (value && ![...select.options].some((o) => o.value === value)) select.append(el("option", { value, text: value }));
    select.value = value;
  }
  $("#f-stand").value = params.get("stand_after") || "";
  $("#sort").value = SORT_VALUES.includes(params.get("sort")) ? params.get("sort") : "relevance";
  return Math.max(1, parseInt(params.get("page") || "1", 10) || 1);
}

async function runSearch(page = 1, { push = true } = {}) {
  const q = $("#q").value.trim();
  if (!q) { showError("Bitte einen Suchbegriff eingeben."); $("#q").focus(); return; }
  const params = searchParams(page);
  if (push) {
    const url = "?" + params.toString() + location.hash;
    if (url !== location.search + location.hash) history.pushState({ search: true }, "", url);
  }
  const apiParams = new URLSearchParams(params);
  apiParams.set("k", String(searchState.k));
  $("#search-summary").textContent = "Suche läuft …";
  try {
    const data = await api("/api/search?" + apiParams);
    showError(null);
    searchState.page = page;
    renderResults(data);
  } catch (err) {
    $("#search-summary").textContent = "";
    $("#results").replaceChildren();
    $("#facets").replaceChildren();
    $("#pager").hidden = true;
    showError(err.message);
  }
}

function documentsText(n) {
  return `${n} ${n === 1 ? "Dokument" : "Dokumente"}`;
}

function renderSummary(data) {
  const n = data.total_documents;
  const summary = $("#search-summary");
  if (n === 0) { summary.replaceChildren("Keine Treffer. Andere Begriffe oder weniger Filter versuchen."); return; }
  const where = data.located_lands.length
    ? ` · Ort erkannt: ${data.located_lands.join(", ")} – Dokumente anderer Länder stehen weiter unten`
    : "";
  summary.replaceChildren(
    data.uncertain ? el("span", { class: "badge uncertain", text: "Unsichere Treffer" }) : "",
    data.uncertain ? " " : "",
    `${documentsText(n)} gefunden${where}`,
    data.uncertain ? el("span", { class: "hint", text:
      ` – der Wissensbestand beantwortet diese Anfrage wahrscheinlich nicht (Sicherheit ${Math.round(data.confidence * 100)} %).` }) : "");
}

// Counts per filter value among the listed documents; a click sets that filter and searches again.
function renderFacets(facets) {
  const groups = [];
  for (const [key, id] of SEARCH_FILTERS) {
    const counts = Object.entries((facets || {})[key] || {});
    if (!counts.length || $(id).value) continue;
    groups.push(el("div", { class: "facet" }, el("span", { class: "facet-name", text: FACET_LABELS[key] + ":" }), " ",
      counts.slice(0, 8).map(([value, count]) => el("button", {
        type: "button", class: "chip", "data-facet": key, "data-value": value,
        "aria-label": `Nur ${FACET_LABELS[key]} ${key === "type" ? TYPE_LABELS[value] || value : value} (${documentsText(count)})`,
        onclick: () => applyFacet(id, value),
      }, `${key === "type" ? TYPE_LABELS[value] || value : value} (${count})`))));
  }
  $("#facets").replaceChildren(...groups);
}

function applyFacet(selectId, value) {
  const select = $(selectId);
  if (![...select.options].some((o) => o.value === value)) select.append(el("option", { value, text: value }));
  select.value = value;
  runSearch(1);
}

function renderResults(data) {
  renderSummary(data);
  renderFacets(data.facets);
  $("#sort-field").hidden = data.total_documents < 2;
  $("#results").replaceChildren(...data.hits.map((hit) => {
    const meta = TYPE_LABELS[hit.type] || hit.type;
    const url = safeUrl(hit.source_url);
    const marks = new Set(hit.passages.flatMap((p) => p.marks || []));
    const passages = hit.passages.map((p) => el("li", { class: "passage" },
      el("span", { class: "where", text: [p.heading_path.join(" › "), p.page ? `S. ${p.page}` : null].filter(Boolean).join(" · ") }),
      el("div", { class: "md" }, renderMarkdown(p.text, p.marks))));
    return el("li", { class: "hit" },
      el("article", { "aria-labelledby": "hit-" + hit.doc_id },
        el("h3", { id: "hit-" + hit.doc_id, text: hit.title }),
        el("p", { class: "meta" }, meta, " · ", provenanceLine(hit)),
        el("ul", { class: "passages" }, passages),
        el("p", { class: "links" },
          el("button", { type: "button", class: "link", onclick: () => openDocument(hit.doc_id, marks) }, "Dokument anzeigen"),
          url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, "Quelle öffnen") : null)));
  }));
  const pages = Math.ceil(data.total_documents / searchState.k);
  $("#pager").hidden = pages <= 1;
  $("#page-info").textContent = `Seite ${searchState.page} von ${pages}`;
  $("#prev").disabled = searchState.page <= 1;
  $("#next").disabled = searchState.page >= pages;
}

function clearSearch() {
  $("#results").replaceChildren();
  $("#facets").replaceChildren();
  $("#search-summary").textContent = "";
  $("#pager").hidden = true;
  $("#sort-field").hidden = true;
  showError(null);
}

// Back/Forward: the address says which search to show.
function searchFromUrl() {
  const params = new URLSearchParams(location.search);
  const page = formFromUrl(params);
  if (params.get("q")) {
    selectTab($("#tab-suche"), false);
    runSearch(page, { push: false });
  } else clearSearch();
}

document.addEventListener("DOMContentLoaded", () => {
  $("#search-form").addEventListener("submit", (event) => { event.preventDefault(); runSearch(1); });
  $("#search-form").addEventListener("reset", () => {
    setTimeout(() => {  // after the form has reset its fields
      clearSearch();
      if (location.search) history.pushState({ search: true }, "", location.pathname + location.hash);
    });
  });
  $("#sort").addEventListener("change", () => { if ($("#q").value.trim()) runSearch(1); });
  $("#prev").addEventListener("click", () => runSearch(searchState.page - 1));
  $("#next").addEventListener("click", () => runSearch(searchState.page + 1));
  window.addEventListener("popstate", searchFromUrl);
  facetsReady.then(searchFromUrl);
});

// ---------- the search filters in the answer tab: shown, and switched off with one click ----------

function filterLabels(filters) {
  const parts = [];
  for (const [key] of SEARCH_FILTERS) {
    for (const v of (filters || {})[key] || []) parts.push(`${FACET_LABELS[key]} ${key === "type" ? TYPE_LABELS[v] || v : v}`);
  }
  if (filters && filters.stand_after) parts.push(`Stand ab ${formatDate(filters.stand_after)}`);
  return parts;
}

// What the next question is restricted to: the search filters, unless the box is unticked.
function askFilters() {
  return $("#ask-use-filters").checked ? currentFilters() : {};
}

function showAskFilters() {
  const labels = filterLabels(currentFilters());
  $("#ask-filters").hidden = !labels.length;
  $("#ask-filters-text").textContent = labels.join(", ");
}

function filtersNote(filters) {
  const labels = filterLabels(filters);
  return labels.length ? ` · nur ${labels.join(", ")}` : "";
}
