// Pending and failed uploads (GET /api/uploads), shown to staff with the admin token.
// Self-contained: it refreshes whenever app.js re-renders the document list, and needs nothing
// from app.js. Text from the server goes in as text nodes only.
"use strict";

(() => {
  const TOKEN_KEY = "revierlotse.adminToken";
  const STATES = { pending: "wartet auf Indexierung", failed: "fehlgeschlagen" };

  function node(tag, text, attrs = {}) {
    const el = document.createElement(tag);
    if (text !== undefined && text !== null) el.textContent = text;
    for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
    return el;
  }

  async function call(path, method = "GET") {
    const token = sessionStorage.getItem(TOKEN_KEY) || "";
    const response = await fetch(path, { method, headers: { Authorization: "Bearer " + token } });
    let data = null;
    try { data = await response.json(); } catch (err) { data = null; }
    if (!response.ok) throw new Error((data && data.message) || `Fehler ${response.status}`);
    return data;
  }

  async function discard(entry, card) {
    if (!window.confirm(`Upload „${entry.original_name || entry.file}“ endgültig löschen?`)) return;
    try { await call("/api/uploads/" + encodeURIComponent(entry.file), "DELETE"); } catch (err) { window.alert(err.message); }
    refresh(card);
  }

  async function refresh(card) {
    if (!sessionStorage.getItem(TOKEN_KEY)) { card.hidden = true; return; }
    let data;
    try { data = await call("/api/uploads"); } catch (err) { card.hidden = true; return; }
    const list = card.querySelector("ul");
    list.replaceChildren(...data.uploads.map((entry) => {
      const item = node("li", null, { class: entry.state });
      item.append(node("strong", entry.original_name || entry.file), ` – ${STATES[entry.state] || entry.state}`);
      if (entry.reason) item.append(node("span", " " + entry.reason, { class: "hint" }));
      const button = node("button", "Verwerfen", { type: "button", class: "danger" });
      button.addEventListener("click", () => discard(entry, card));
      item.append(" ", button);
      return item;
    }));
    card.hidden = data.uploads.length === 0;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const card = document.getElementById("pending-uploads");
    const table = document.querySelector("#documents tbody");
    if (!card || !table) return;
    new MutationObserver(() => refresh(card)).observe(table, { childList: true });
    refresh(card);
  });
})();
