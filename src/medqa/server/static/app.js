// medqa web chat: streams answers over SSE, keeps the conversation in localStorage, and never
// puts text from the model or the user into the page as HTML (DOM nodes and textContent only).
"use strict";

const STORE_KEY = "medqa.chat.v1";
const KEY_KEY = "medqa.apiKey";
const HISTORY_SENT = 12; // earlier messages sent with a question (the server keeps fewer anyway)

const $ = (id) => document.getElementById(id);
const els = {
  form: $("ask"), question: $("question"), send: $("send"), stop: $("stop"), newChat: $("new-chat"),
  messages: $("messages"), empty: $("empty"), emergency: $("emergency"),
};
let chat = load();
let controller = null;

// ------------------------------------------------------------------ safe Markdown (DOM nodes only)
/** Paragraphs, lists, **bold**, *italics*, and [links](https://...) only for http(s) URLs. */
function renderMarkdown(text, parent) {
  parent.replaceChildren();
  for (const block of text.replace(/\r\n?/g, "\n").split(/\n{2,}/)) {
    const lines = block.split("\n").filter((l) => l.trim());
    if (!lines.length) continue;
    const bullet = /^\s*[-*•]\s+/, numbered = /^\s*\d+[.)]\s+/;
    const kind = lines.every((l) => bullet.test(l)) ? "ul" : lines.every((l) => numbered.test(l)) ? "ol" : "p";
    if (kind === "p") {
      const p = el("p");
      lines.forEach((line, i) => { if (i) p.append(el("br")); inline(line, p); });
      parent.append(p);
    } else {
      const list = el(kind);
      for (const line of lines) inline(line.replace(kind === "ul" ? bullet : numbered, ""), list.appendChild(el("li")));
      parent.append(list);
    }
  }
}

const INLINE = /\*\*([^*\n]+)\*\*|\*([^*\s][^*\n]*)\*|\[([^\]\n]+)\]\(([^)\s]+)\)/g;

function inline(text, parent) {
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    parent.append(document.createTextNode(text.slice(last, m.index)));
    if (m[1] !== undefined) parent.append(el("strong", m[1]));
    else if (m[2] !== undefined) parent.append(el("em", m[2]));
    else parent.append(safeLink(m[4], m[3]) || document.createTextNode(m[0]));
    last = m.index + m[0].length;
  }
  parent.append(document.createTextNode(text.slice(last)));
}

/** A link that opens in a new tab, or null for anything but an http(s) URL (javascript:, data:...). */
function safeLink(href, label) {
  let url;
  try { url = new URL(href); } catch { return null; }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  const a = el("a", label);
  a.href = url.href;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}

function el(tag, text) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
}

// ------------------------------------------------------------------ conversation state
function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE_KEY));
    if (saved && Array.isArray(saved.messages)) return saved;
  } catch { /* a corrupt entry starts a new chat */ }
  return { messages: [] };
}

function save() {
  try { localStorage.setItem(STORE_KEY, JSON.stringify(chat)); } catch { /* private mode or full: keep in memory */ }
}

function newChat() {
  controller?.abort();
  chat = { messages: [] };
  save();
  els.messages.replaceChildren();
  showEmergency(null);
  els.empty.hidden = false;
  els.question.focus();
}

// ------------------------------------------------------------------ rendering messages
function addUserMessage(text) {
  const li = el("li");
  li.className = "msg user";
  li.append(el("p", "You"), document.createTextNode(text));
  li.firstChild.className = "visually-hidden";
  els.messages.append(li);
  els.empty.hidden = true;
}

/** An assistant bubble; returns functions that fill it as the answer streams in. */
function addAssistantMessage() {
  const li = el("li");
  li.className = "msg assistant";
  const who = el("p", "Assistant");
  who.className = "who";
  const body = el("div");
  body.className = "answer";
  li.append(who, body);
  els.messages.append(li);
  els.empty.hidden = true;
  return {
    li,
    text(markdown) { renderMarkdown(markdown, body); li.scrollIntoView({ block: "end" }); },
    final(medqa) { renderAnswer(medqa, body); addDetails(li, medqa); },
    error(message) { const p = el("p", message); p.className = "error"; li.append(p); },
  };
}

// ------------------------------------------------------------------ the checked answer, sentence by sentence
const BULLET = /^\s*([-*•]|\d+[.)])\s+/;
let snippetIds = 0;

/** The structured answer: quoted sentences as quotes, each followed by its [n] buttons, which show
 * the passage sentence behind them on hover, focus or tap. Older answers without sentences: Markdown. */
function renderAnswer(medqa, parent) {
  if (!medqa.sentences?.length) { renderMarkdown(medqa.answer, parent); return; }
  parent.replaceChildren();
  if (medqa.notes) {
    const notes = el("div");
    renderMarkdown(medqa.notes, notes);
    parent.append(...notes.childNodes);
  }
  const cited = new Map((medqa.citations || []).map((c) => [c.number, c]));
  let paragraph = null, list = null;
  for (const s of medqa.sentences) {
    let box;
    if (BULLET.test(s.text)) {
      if (!list) { list = parent.appendChild(el("ul")); paragraph = null; }
      box = list.appendChild(el("li"));
    } else {
      if (!paragraph) { paragraph = parent.appendChild(el("p")); list = null; } else paragraph.append(" ");
      box = paragraph;
    }
    const text = s.text.replace(BULLET, "");
    if (s.source === "quoted") {
      const quote = el("q");
      quote.className = "quote";
      quote.title = "Quoted from the source";
      inline(text, quote);
      box.append(quote);
    } else {
      inline(text, box);
    }
    s.citations.forEach((n, i) => box.append(" ", citeButton(n, s.evidence?.[i], cited.get(n))));
  }
}

/** "[n]": a button that shows the passage text it points to (hover and keyboard focus show it, a tap toggles it). */
function citeButton(number, evidence, citation) {
  const wrap = el("span");
  wrap.className = "cite";
  const button = el("button", `[${number}]`);
  button.type = "button";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-label", `Source ${number}${citation?.title ? `: ${citation.title}` : ""}`);
  const tip = el("span");
  tip.className = "snippet";
  tip.id = `snippet-${++snippetIds}`;
  tip.setAttribute("role", "tooltip");
  tip.append(el("span", evidence || citation?.snippet || ""));
  if (citation) {
    const from = el("span", " — ");
    from.append(safeLink(citation.url, citation.title || citation.url) || el("span", citation.title || ""));
    tip.append(from);
  }
  button.setAttribute("aria-describedby", tip.id);
  button.addEventListener("click", () => button.setAttribute("aria-expanded", String(wrap.classList.toggle("open"))));
  wrap.append(button, tip);
  return wrap;
}

function addDetails(li, medqa) {
  if (medqa.citations?.length) {
    const panel = el("section");
    panel.className = "sources";
    panel.setAttribute("aria-label", "Sources");
    panel.append(el("h2", "Sources"));
    const list = el("ul");
    const pages = new Map(); // a page is listed once, with every [n] of it
    for (const c of medqa.citations) {
      const key = c.url || `#${c.number}`;
      if (!pages.has(key)) pages.set(key, { ...c, numbers: [] });
      pages.get(key).numbers.push(c.number);
    }
    for (const page of pages.values()) {
      const item = el("li");
      const numbers = el("span", `${page.numbers.map((n) => `[${n}]`).join("")} `);
      numbers.className = "numbers";
      item.append(numbers, safeLink(page.url, page.title || page.url) || el("span", page.title || ""));
      list.append(item);
    }
    panel.append(list);
    li.append(panel);
  }
  const note = el("p", medqa.disclaimer);
  note.className = "note disclaimer";
  li.append(note);
  if (medqa.id) li.append(feedbackButtons(medqa.id));
}

function feedbackButtons(answerId) {
  const box = el("div");
  box.className = "feedback";
  const status = el("span");
  status.setAttribute("role", "status");
  // Words, not emoji: the visible text is the accessible name, and it renders without an emoji font.
  const buttons = [["up", "Helpful"], ["down", "Not helpful"]].map(([rating, label]) => {
    const b = el("button", label);
    b.type = "button";
    b.className = "secondary";
    b.setAttribute("aria-pressed", "false");
    b.addEventListener("click", async () => {
      buttons.forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
      const res = await api("/api/feedback", { answer_id: answerId, rating });
      status.textContent = res.ok ? "Thanks for the feedback." : "Feedback could not be saved.";
    });
    return b;
  });
  box.append(el("span", "Was this helpful?"), ...buttons, status);
  return box;
}

function showEmergency(medqa) {
  if (medqa && medqa.triage === "emergency") {
    els.emergency.textContent = medqa.answer;
    els.emergency.hidden = false;
  } else {
    els.emergency.hidden = true;
    els.emergency.textContent = "";
  }
}

function renderSaved() {
  for (const m of chat.messages) {
    if (m.role === "user") addUserMessage(m.content);
    else if (m.medqa) addAssistantMessage().final(m.medqa);
  }
  const last = chat.messages.at(-1);
  showEmergency(last?.medqa);
}

// ------------------------------------------------------------------ talking to the server
async function api(path, body, signal) {
  const send = () => fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...authHeader() },
    body: JSON.stringify(body),
    signal,
  });
  let res = await send();
  if (res.status === 401) { // the operator set MEDQA_API_KEY: ask once, keep it for this tab only
    const key = window.prompt("This server needs an API key:");
    if (key) { sessionStorage.setItem(KEY_KEY, key.trim()); res = await send(); }
  }
  return res;
}

function authHeader() {
  const key = sessionStorage.getItem(KEY_KEY);
  return key ? { Authorization: `Bearer ${key}` } : {};
}

async function errorMessage(res) {
  try { return (await res.json()).error?.message || res.statusText; } catch { return res.statusText; }
}

/** Yields each parsed `data:` payload of a server-sent event stream. */
async function* sseEvents(res) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      if (data === "[DONE]") return;
      if (data) yield JSON.parse(data);
    }
  }
}

async function ask(question) {
  const history = chat.messages.slice(-HISTORY_SENT).map((m) => ({ role: m.role, content: m.medqa ? m.medqa.answer : m.content }));
  chat.messages.push({ role: "user", content: question });
  save();
  addUserMessage(question);
  const bubble = addAssistantMessage();
  setBusy(true, bubble.li);
  controller = new AbortController();
  let text = "";
  try {
    const res = await api("/v1/chat/completions",
      { messages: [...history, { role: "user", content: question }], stream: true }, controller.signal);
    if (!res.ok) { bubble.error(await errorMessage(res)); return; }
    for await (const chunk of sseEvents(res)) {
      if (chunk.error) { bubble.error(chunk.error.message); break; }
      if (chunk.medqa) { // the final content chunk: show the structured answer, not the plain-text tail
        bubble.final(chunk.medqa);
        showEmergency(chunk.medqa);
        chat.messages.push({ role: "assistant", medqa: chunk.medqa });
        save();
        continue;
      }
      const piece = chunk.choices?.[0]?.delta?.content;
      if (piece) { text += piece; bubble.text(text); }
    }
  } catch (err) {
    bubble.error(err.name === "AbortError" ? "Stopped." : "The connection failed. Please try again.");
  } finally {
    controller = null;
    setBusy(false, bubble.li);
  }
}

function setBusy(busy, li) {
  els.send.disabled = busy;
  els.stop.hidden = !busy;
  li.setAttribute("aria-busy", String(busy)); // screen readers read the answer once it is complete
  if (!busy) els.question.focus();
}

// ------------------------------------------------------------------ events
els.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const question = els.question.value.trim();
  if (!question || controller) return;
  els.question.value = "";
  ask(question);
});
els.question.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    els.form.requestSubmit();
  }
});
els.stop.addEventListener("click", () => controller?.abort());
els.newChat.addEventListener("click", newChat);
renderSaved();
