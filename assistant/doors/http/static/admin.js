// Staff page, Dokumente tab: the document list, the admin token, uploads and re-indexing, both as
// background jobs whose progress (files read, passages embedded) the page polls.
// Uses app.js (el, api, showError, token, countText, TYPE_LABELS, openDocument, loadStatus).
"use strict";

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

function uploadOutcomes(files) {
  return el("ul", { class: "outcomes" }, files.map((f) => el("li", { class: f.status },
    `${f.original_name || f.file}: ${f.status === "failed" ? "nicht aufgenommen – " + f.reason
      : `aufgenommen (${countText(f.chunks, "Abschnitt", "Abschnitte")})`}`,
    ...(f.warnings || []).map((w) => el("span", { class: "hint", text: " Hinweis: " + w })))));
}

// Poll a background job until it ends, showing files read and passages embedded; returns the last state.
async function followJob(job, out, what) {
  const bar = el("progress", { max: "1", value: "0", "aria-label": `Fortschritt: ${what}` });
  const label = el("span", { class: "hint", role: "status" });
  out.replaceChildren(bar, " ", label);
  while (job.state === "queued" || job.state === "running") {
    const total = job.chunks_total || job.files_total;
    const done = job.chunks_total ? job.chunks_done : job.files_done;
    if (total) { bar.max = String(total); bar.value = String(done); }
    label.textContent = job.chunks_total
      ? `${what}: ${done} von ${countText(total, "Abschnitt", "Abschnitten")} eingebettet`
      : `${what}: ${job.files_done} von ${job.files_total ?? "?"} ${job.files_total === 1 ? "Datei" : "Dateien"} gelesen`;
    await new Promise((resolve) => setTimeout(resolve, 500));
    job = await api("/api/jobs/" + job.job_id, { admin: true });
  }
  return job;
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
  out.replaceChildren(el("p", { class: "summary", text: "Wird hochgeladen …" }));
  try {
    const started = await api("/api/documents?background=true", { method: "POST", body: data, admin: true });
    const job = await followJob(started, out, "Indexierung");
    if (job.state === "failed") {
      out.replaceChildren();
      const files = job.error.details && job.error.details.files;
      showError(files ? job.error.message + " " + files.map((f) => `${f.original_name || f.file}: ${f.reason}`).join(" ")
        : job.error.message);
      return;
    }
    showError(null);
    out.replaceChildren(uploadOutcomes(job.files || []));
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
    const job = await followJob(await api("/api/reindex", { method: "POST", admin: true }), out, "Neuindexierung");
    if (job.state === "failed") { out.replaceChildren(); showError(job.error.message); return; }
    const c = job.report.counts;
    out.replaceChildren(el("p", { text:
      `Fertig: ${c.added} neu, ${c.updated} aktualisiert, ${c.removed} entfernt, ${c.failed} fehlgeschlagen – ` +
      `${countText(job.report.documents, "Dokument", "Dokumente")}, ${countText(job.report.chunks, "Abschnitt", "Abschnitte")}.` }));
    loadDocuments();
    loadStatus();
  } catch (err) { showError(err.message); }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#token-form").addEventListener("submit", login);
  $("#logout").addEventListener("click", logout);
  $("#upload-form").addEventListener("submit", upload);
  $("#reindex").addEventListener("click", reindex);
  updateAdmin();
});
