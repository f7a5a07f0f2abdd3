// Answers on the staff page: one source entry per document. The API numbers every cited passage
// ([1], [2], [3] may all be one document); here they merge into the first number, the text's
// citations follow, and a run like "[1][1]" collapses to "[1]". The entry lists every cited place.
"use strict";

function mergeCitations(answer) {
  const byDoc = new Map();
  const renumber = new Map();
  const sources = [];
  for (const s of answer.sources) {
    const place = [s.heading, s.page ? `S. ${s.printed_page || s.page}` : null].filter(Boolean).join(", ");
    let entry = byDoc.get(s.doc_id);
    if (!entry) {
      entry = Object.assign({}, s, { number: sources.length + 1, places: [] });
      byDoc.set(s.doc_id, entry);
      sources.push(entry);
    }
    if (place && !entry.places.includes(place)) entry.places.push(place);
    renumber.set(s.number, entry.number);
  }
  const text = answerBody(answer)
    .replace(/\[(\d+)\]/g, (whole, n) => (renumber.has(Number(n)) ? `[${renumber.get(Number(n))}]` : whole))
    .replace(/(\[\d+\])(?:\s*\1)+/g, "$1");
  return { text, sources };
}
