// The answer tab's conversation: every question and its answer stay visible, newest last,
// until "Neues Gespräch". Kept in sessionStorage with the conversation id, so a reload shows
// the same thread the server continues.
"use strict";

const THREAD_KEY = "revierlotse.thread";
const THREAD_TURNS = 20; // turns kept; older ones drop off the top

function loadThread() {
  try {
    const turns = JSON.parse(sessionStorage.getItem(THREAD_KEY) || "[]");
    return Array.isArray(turns) ? turns : [];
  } catch { return []; }
}

function saveThread(turns) {
  try {
    sessionStorage.setItem(THREAD_KEY, JSON.stringify(turns.slice(-THREAD_TURNS)));
  } catch { /* storage full or disabled: the thread lives on the page only */ }
}

// One turn: the question as asked (and what it was read as, for a follow-up), then the answer.
function turnNode(question) {
  const answer = el("div", { class: "turn-answer" }, el("p", { class: "summary", text: "Antwort wird erstellt …" }));
  const node = el("article", { class: "turn" }, el("p", { class: "turn-question" }, el("strong", { text: "Frage: " }), question), answer);
  return { node, answer };
}

function showTurn(turn, answer) {
  if (answer.follow_up && answer.resolved_question && answer.resolved_question !== answer.question) {
    turn.node.querySelector(".turn-question").append(
      el("span", { class: "meta", text: " – als Folgefrage verstanden: „" + answer.resolved_question + "“" }));
  }
  renderAnswer(turn.answer, answer);
}

function restoreThread() {
  const thread = $("#answer");
  thread.replaceChildren();
  for (const saved of loadThread()) {
    const turn = turnNode(saved.question);
    thread.append(turn.node);
    showTurn(turn, saved.answer);
  }
}

async function ask(event) {
  event.preventDefault();
  const question = $("#question").value.trim();
  if (!question) return;
  const turn = turnNode(question);
  $("#answer").append(turn.node);
  turn.node.scrollIntoView({ block: "nearest" });
  try {
    const filters = askFilters();
    const answer = await api("/api/ask", { method: "POST",
      json: { question, conversation_id: conversationId(), filters } });
    showError(null);
    Object.assign(answer, { filters });
    showTurn(turn, answer);
    saveThread([...loadThread(), { question, answer }]);
  } catch (err) { turn.node.remove(); showError(err.message); }
}

function newConversation() {
  sessionStorage.removeItem(CONVERSATION_KEY);
  sessionStorage.removeItem(THREAD_KEY);
  $("#answer").replaceChildren();
  $("#question").value = "";
  $("#question").focus();
}

document.addEventListener("DOMContentLoaded", () => {
  $("#ask-form").addEventListener("submit", ask);
  $("#new-conversation").addEventListener("click", newConversation);
  restoreThread();
});
