// Provenance on the staff page: every source shows its Stand, a closed programme's status and its link.
// Loaded before app.js; uses its helpers (el, formatDate, safeUrl) only when called.
"use strict";

function hostOf(url) {
  try { return new URL(url).hostname.replace(/^www\./, ""); } catch (err) { return url; }
}

function standText(stand) {
  return stand ? "Stand " + formatDate(stand) : "Stand unbekannt";
}

// "geschlossen – keine Anträge möglich" for programmes the front matter marks closed or expired.
function statusNode(item) {
  if (item.status !== "geschlossen" && item.status !== "ausgelaufen") return null;
  return el("span", { class: "closed-badge", text: `${item.status} – keine Anträge möglich` });
}

// Stand · status · gültig bis · link labelled with the host ("bafa.de"), or "ohne Quellenlink".
function provenanceLine(item) {
  const url = safeUrl(item.source_url);
  const parts = [standText(item.stand), statusNode(item),
    item.gueltig_bis ? "gültig bis " + formatDate(item.gueltig_bis) : null,
    url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", class: "source-link" }, hostOf(url))
      : "ohne Quellenlink"].filter(Boolean);
  const line = el("span", { class: "provenance" });
  parts.forEach((part, i) => { if (i) line.append(" · "); line.append(part); });
  return line;
}

// The answer text without the notices and binding line the server appends (they are shown apart).
function answerBody(answer) {
  const lines = [...answer.notices, ...(answer.binding_note ? [answer.binding_note] : [])];
  const tail = lines.length ? "\n\n" + lines.join("\n") : "";
  return tail && answer.text.endsWith(tail) ? answer.text.slice(0, -tail.length) : answer.text;
}

function bindingNote(answer) {
  return answer.binding_note ? el("p", { class: "binding", text: answer.binding_note }) : null;
}

// Project check: fitting programmes that take no applications now, never mixed with the open ones.
function renderClosedProgrammes(matches) {
  if (!matches || !matches.length) return null;
  return el("div", { class: "matches closed-programmes" },
    el("h3", { text: "Passend, aber derzeit keine Anträge möglich" }),
    el("ul", {}, matches.map((m) => el("li", {},
      el("strong", { text: m.title }), " – ", el("span", { class: "notice", text: m.availability_note || "keine Anträge möglich" }),
      el("br"), provenanceLine(m)))));
}
