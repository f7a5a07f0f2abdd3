// Passages as the Markdown they are written in, rendered safely: every piece of server text becomes a
// text node or an element built here, never parsed as HTML, so a "<script>" in a document stays text.
// Covered: paragraphs (single line breaks are soft), headings, bullet and numbered lists (nested by
// indentation), quotes, simple tables, **bold**, *italic*, `code`, [links](https://…) and bare URLs
// (http, https and mailto only). Highlighting marks whole words the API names in a passage's "marks".
"use strict";

const MD_WORD = /[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu;
const MD_LIST = /^(\s*)([-*+•]|\d{1,3}[.)])\s+(.*)$/;
const MD_HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const MD_TABLE_RULE = /^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$/;
// Earliest inline construct wins: code, link, bold, italic, bare URL. Underscores only count at word
// edges ("window.__xss" and "snake_case" stay text), as in CommonMark.
const MD_INLINE = /`([^`\n]+)`|\[([^\]\n]+)\]\(([^()\s]+)\)|\*\*(?=\S)([\s\S]+?)\*\*|(?<![\p{L}\p{N}_])__(?=[^\s_])([\s\S]+?)__(?![\p{L}\p{N}_])|\*(?=[^\s*])([^*\n]+?)\*|(?<![\p{L}\p{N}_])_(?=[^\s_])([^_\n]+?)_(?![\p{L}\p{N}_])|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?"'])/u;

function mdSafeHref(url) {
  return /^(https?:\/\/|mailto:)/i.test(url) ? url : null;
}

// Text with <mark> around the whole words listed in `marks` (a Set of words as written).
function markedText(text, marks) {
  const out = document.createDocumentFragment();
  if (!marks || !marks.size) { out.append(text); return out; }
  let last = 0;
  for (const match of text.matchAll(MD_WORD)) {
    if (!marks.has(match[0])) continue;
    out.append(text.slice(last, match.index), el("mark", { text: match[0] }));
    last = match.index + match[0].length;
  }
  out.append(text.slice(last));
  return out;
}

function renderInline(text, marks) {
  const out = document.createDocumentFragment();
  let rest = text.replace(/\\([\\`*_[\]()#+\-.!|])/g, "$1");
  while (rest) {
    const m = rest.match(MD_INLINE);
    if (!m) { out.append(markedText(rest, marks)); break; }
    out.append(markedText(rest.slice(0, m.index), marks));
    if (m[1] !== undefined) out.append(el("code", { text: m[1] }));
    else if (m[2] !== undefined) {
      const href = mdSafeHref(m[3]);
      out.append(href ? el("a", { href, target: "_blank", rel: "noopener noreferrer" }, renderInline(m[2], marks))
        : renderInline(m[2], marks));
    } else if (m[4] !== undefined || m[5] !== undefined) out.append(el("strong", {}, renderInline(m[4] ?? m[5], marks)));
    else if (m[6] !== undefined || m[7] !== undefined) out.append(el("em", {}, renderInline(m[6] ?? m[7], marks)));
    else if (m[8] !== undefined) out.append(el("a", { href: m[8], target: "_blank", rel: "noopener noreferrer" }, m[8]));
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

function tableCells(line) {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
}

// Lists: items with their indentation; deeper items nest in the previous item.
function renderList(items, marks) {
  const build = (start, indent) => {
    const ordered = /\d/.test(items[start].marker);
    const list = el(ordered ? "ol" : "ul", ordered && items[start].number !== 1 ? { start: String(items[start].number) } : {});
    let i = start;
    while (i < items.length && items[i].indent >= indent) {
      if (items[i].indent > indent && list.lastElementChild) {
        const [nested, next] = build(i, items[i].indent);
        list.lastElementChild.append(nested);
        i = next;
        continue;
      }
      list.append(el("li", {}, renderInline(items[i].text, marks)));
      i += 1;
    }
    return [list, i];
  };
  const lists = document.createDocumentFragment();
  let i = 0;
  while (i < items.length) {
    const [list, next] = build(i, items[i].indent);
    lists.append(list);
    i = next;
  }
  return lists;
}

// A passage's Markdown as a fragment of block elements.
function renderMarkdown(text, marks) {
  const markSet = marks instanceof Set ? marks : new Set(marks || []);
  const out = document.createDocumentFragment();
  const lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i += 1; continue; }
    const heading = line.match(MD_HEADING);
    if (heading) {
      out.append(el("p", { class: "md-heading" }, el("strong", {}, renderInline(heading[2], markSet))));
      i += 1;
      continue;
    }
    if (MD_LIST.test(line)) {
      const items = [];
      while (i < lines.length && lines[i].trim()) {
        const m = lines[i].match(MD_LIST);
        if (m) {
          items.push({ indent: m[1].replace(/\t/g, "    ").length, marker: m[2], number: parseInt(m[2], 10) || 1, text: m[3] });
        } else if (items.length) {
          items[items.length - 1].text += " " + lines[i].trim();  // a wrapped item line
        }
        i += 1;
      }
      out.append(renderList(items, markSet));
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quoted = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) { quoted.push(lines[i].replace(/^\s*>\s?/, "")); i += 1; }
      out.append(el("blockquote", {}, renderMarkdown(quoted.join("\n"), markSet)));
      continue;
    }
    if (line.trim().startsWith("|") && i + 1 < lines.length && MD_TABLE_RULE.test(lines[i + 1].trim())) {
      const head = tableCells(line);
      const rows = [];
      i += 2;
      while (i < lines.length && lines[i].trim().startsWith("|")) { rows.push(tableCells(lines[i])); i += 1; }
      out.append(el("div", { class: "table-wrap" }, el("table", { class: "md-table" },
        el("thead", {}, el("tr", {}, head.map((c) => el("th", { scope: "col" }, renderInline(c, markSet))))),
        el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, renderInline(c, markSet)))))))));
      continue;
    }
    const paragraph = [];
    while (i < lines.length && lines[i].trim() && !MD_LIST.test(lines[i]) && !MD_HEADING.test(lines[i])
           && !/^\s*>/.test(lines[i])) {
      paragraph.push(lines[i].trim());
      i += 1;
    }
    out.append(el("p", {}, renderInline(paragraph.join(" "), markSet)));
  }
  return out;
}
