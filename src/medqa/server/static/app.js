// medqa web chat: streams answers over SSE, keeps several conversations in localStorage, and never
// puts text from the model or the user into the page as HTML (DOM nodes and textContent only).
"use strict";

const STORE_KEY = "medqa.chats.v2";
const OLD_STORE_KEY = "medqa.chat.v1"; // one conversation, before the conversation list
const KEY_KEY = "medqa.apiKey";
const HISTORY_SENT = 12; // earlier messages sent with a question (the server keeps fewer anyway)
const MAX_CONVERSATIONS = 50; // the oldest go first: localStorage holds a few MB
const TITLE_CHARS = 60;
const POLL_LOADING_MS = 2000;
const POLL_FAILED_MS = 15000;

const $ = (id) => document.getElementById(id);
const els = {
  form: $("ask"), question: $("question"), send: $("send"), stop: $("stop"), newChat: $("new-chat"),
  messages: $("messages"), announce: $("announce"), empty: $("empty"), emergency: $("emergency"), count: $("count"),
  editing: $("editing"), cancelEdit: $("cancel-edit"), history: $("history"), conversations: $("conversations"),
  status: $("status"), statusTitle: $("status-title"), statusDetail: $("status-detail"),
  statusProgress: $("status-progress"), statusRetry: $("status-retry"),
};
const MAX_CHARS = Number(els.question.dataset.maxChars); // the server's limit, written once in index.html
let store = load();
let live = null; // the answer streaming now: { convo, reply, controller, view }
let editing = null; // { convo, index } while an earlier question is being edited
let ready = false;
let pollTimer = null;

// ------------------------------------------------------------------ safe Markdown (DOM nodes only)
const UL_ITEM = /^\s*[-*•]\s+/, OL_ITEM = /^\s*\d+[.)]\s+/;

/** Paragraphs, lists (also after an intro line), **bold**, *italics*, and [links](https://...) for http(s) only. */
function renderMarkdown(text, parent) {
  parent.replaceChildren();
  for (const block of text.replace(/\r\n?/g, "\n").split(/\n{2,}/)) {
    let paragraph = null, list = null;
    for (const line of block.split("\n")) {
      if (!line.trim()) continue;
      const kind = UL_ITEM.test(line) ? "ul" : OL_ITEM.test(line) ? "ol" : null;
      if (kind) {
        if (list?.localName !== kind) list = parent.appendChild(el(kind));
        paragraph = null;
        inline(line.replace(kind === "ul" ? UL_ITEM : OL_ITEM, ""), list.appendChild(el("li")));
      } else {
        if (paragraph) paragraph.append(el("br")); else paragraph = parent.appendChild(el("p"));
        list = null;
        inline(line, paragraph);
      }
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

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function button(label, onClick, className = "secondary") {
  const b = el("button", label, className);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

/** "the assistant is still loading" -> "The assistant is still loading." */
function sentence(text) {
  const t = String(text || "").trim();
  if (!t) return "";
  return t[0].toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? "" : ".");
}

function shorten(text, chars) {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > chars ? `${t.slice(0, chars - 1).trimEnd()}…` : t;
}

// ------------------------------------------------------------------ conversations (localStorage)
function newConversation() {
  return { id: `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`, title: "", updated: Date.now(), messages: [] };
}

function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE_KEY));
    if (saved && Array.isArray(saved.conversations) && saved.conversations.length) return saved;
  } catch { /* a corrupt entry starts afresh */ }
  const first = newConversation();
  try { // the single conversation an earlier version of the page kept
    const old = JSON.parse(localStorage.getItem(OLD_STORE_KEY));
    if (old && Array.isArray(old.messages)) first.messages = old.messages;
    first.title = titleOf(first);
  } catch { /* nothing to bring over */ }
  return { current: first.id, conversations: [first] };
}

function save() {
  store.conversations.sort((a, b) => b.updated - a.updated);
  const keep = store.conversations.slice(0, MAX_CONVERSATIONS);
  if (!keep.some((c) => c.id === store.current)) keep[keep.length - 1] = current();
  store.conversations = keep;
  try { localStorage.setItem(STORE_KEY, JSON.stringify(store)); } catch { /* private mode or full: keep in memory */ }
}

function current() {
  return store.conversations.find((c) => c.id === store.current) || store.conversations[0];
}

function titleOf(convo) {
  const first = convo.messages.find((m) => m.role === "user");
  return first ? shorten(first.content, TITLE_CHARS) : "";
}

function touch(convo) {
  convo.updated = Date.now();
  convo.title = titleOf(convo);
}

function startNewChat() {
  const convo = current();
  if (!convo.messages.length) { els.question.focus(); return; } // already a new chat
  const fresh = newConversation();
  store.conversations.unshift(fresh);
  switchTo(fresh.id);
}

function switchTo(id) {
  cancelEdit();
  store.current = id;
  save();
  renderAll();
  els.question.focus();
}

function deleteConversation(id) {
  if (live?.convo.id === id) live.controller.abort();
  store.conversations = store.conversations.filter((c) => c.id !== id);
  if (!store.conversations.length) store.conversations.push(newConversation());
  if (store.current === id) store.current = store.conversations[0].id;
  save();
  renderAll();
}

/** The conversation before message `end`, as the server reads it: each answered question with its answer
 * (questions that failed or were never answered are left out: they would only confuse the model). */
function historyBefore(convo, end) {
  const turns = [];
  for (let i = 0; i + 1 < end; i++) {
    const q = convo.messages[i], a = convo.messages[i + 1];
    if (q.role !== "user" || a.role !== "assistant") continue;
    const text = a.medqa ? a.medqa.answer : a.partial;
    if (text) turns.push({ role: "user", content: q.content }, { role: "assistant", content: text });
  }
  return turns.slice(-HISTORY_SENT);
}

// ------------------------------------------------------------------ rendering
function renderAll() {
  renderConversationList();
  renderConversation();
}

function renderConversationList() {
  els.conversations.replaceChildren();
  for (const convo of store.conversations) {
    const item = el("li");
    const title = convo.title || "New chat";
    const open = button(title, () => switchTo(convo.id), "conversation-link");
    if (convo.id === store.current) open.setAttribute("aria-current", "true");
    const remove = button("×", () => deleteConversation(convo.id), "icon");
    remove.setAttribute("aria-label", `Delete the conversation “${title}”`);
    remove.title = "Delete";
    item.append(open, remove);
    els.conversations.append(item);
  }
  els.history.querySelector("summary").textContent = `Conversations (${store.conversations.length})`;
}

function renderConversation() {
  const convo = current();
  els.messages.replaceChildren();
  convo.messages.forEach((m, i) => els.messages.append(m.role === "user" ? userMessage(convo, i) : assistantMessage(convo, i)));
  els.empty.hidden = convo.messages.length > 0;
  showEmergency(convo);
}

function userMessage(convo, index) {
  const m = convo.messages[index];
  const li = el("li", undefined, "msg user");
  li.append(el("p", "You", "visually-hidden"), el("div", m.content, "text"));
  const actions = el("div", undefined, "actions");
  const edit = button("Edit", () => startEdit(convo, index), "link");
  edit.setAttribute("aria-label", `Edit and resend: ${shorten(m.content, TITLE_CHARS)}`);
  edit.disabled = Boolean(live);
  actions.append(edit);
  li.append(actions);
  return li;
}

/** An assistant message in whatever state it is: answered, streaming, waiting, stopped or failed. */
function assistantMessage(convo, index) {
  const m = convo.messages[index];
  const question = convo.messages[index - 1]?.content || "";
  const last = index === convo.messages.length - 1;
  const li = el("li", undefined, "msg assistant");
  if (m.medqa?.triage === "emergency") li.classList.add("urgent");
  const body = el("div", undefined, "answer");
  li.append(el("p", "Assistant", "who"), body);
  if (m.medqa) renderAnswer(m.medqa, body);
  else if (m.partial) renderMarkdown(m.partial, body);
  const streaming = live?.reply === m;
  if (streaming) live.view = { li, body };
  if (m.pending) {
    li.setAttribute("aria-busy", "true"); // screen readers read the answer once it is complete
    const typing = el("p", undefined, "typing");
    const dots = el("span", undefined, "dots");
    dots.setAttribute("aria-hidden", "true");
    dots.append(el("span"), el("span"), el("span"));
    typing.append(dots, el("span", streaming ? "The assistant is writing…" : "", streaming ? "visually-hidden" : ""));
    if (!streaming) {
      typing.append(el("span", " Waiting for the assistant to finish loading: your question will be sent as soon as it is ready."));
    }
    li.append(typing);
    return li;
  }
  if (m.stopped) li.append(el("p", "Stopped before the end: the text above was not checked in full against the sources.", "note stopped"));
  if (m.error) li.append(el("p", m.error, "error"));
  if (m.medqa) addDetails(li, m, question);
  const actions = el("div", undefined, "actions");
  if (m.medqa || m.partial) actions.append(copyButton(m));
  if (last && (m.error || m.stopped)) actions.append(button("Retry", () => answer(convo, index - 1)));
  else if (last) actions.append(button("Regenerate", () => answer(convo, index - 1)));
  if (m.medqa?.id && !m.stopped) actions.append(feedbackButtons(m, question));
  actions.querySelectorAll("button").forEach((b) => { b.disabled = b.disabled || Boolean(live); });
  li.append(actions);
  return li;
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
    let box = null;
    // A sentence may carry its own line breaks ("The treatments are:\n- Medications"): each line goes
    // into a paragraph or a list item; consecutive sentences share a paragraph, items share a list.
    for (const line of s.text.split("\n").filter((l) => l.trim())) {
      if (BULLET.test(line)) {
        if (!list) list = parent.appendChild(el("ul"));
        paragraph = null;
        box = list.appendChild(el("li"));
      } else {
        if (!paragraph) paragraph = parent.appendChild(el("p"));
        else paragraph.append(box === paragraph ? el("br") : " ");
        list = null;
        box = paragraph;
      }
      const text = line.replace(BULLET, "");
      if (s.source === "quoted") {
        const quote = el("q", undefined, "quote");
        quote.title = "Quoted word for word from the source";
        inline(text, quote);
        box.append(quote);
      } else {
        inline(text, box);
      }
    }
    if (box) s.citations.forEach((n, i) => box.append(" ", citeButton(n, s.evidence?.[i], cited.get(n))));
  }
}

/** "[n]": a button that shows the passage text it points to (hover and keyboard focus show it, a tap toggles it). */
function citeButton(number, evidence, citation) {
  const wrap = el("span", undefined, "cite");
  const b = el("button", `[${number}]`);
  b.type = "button";
  b.setAttribute("aria-expanded", "false");
  b.setAttribute("aria-label", `Source ${number}${citation?.title ? `: ${citation.title}` : ""}`);
  const tip = el("span", undefined, "snippet");
  tip.id = `snippet-${++snippetIds}`;
  tip.setAttribute("role", "tooltip");
  tip.append(el("span", evidence || citation?.snippet || ""));
  if (citation) {
    const from = el("span", " — ");
    from.append(sourceLink(citation));
    tip.append(from);
  }
  b.setAttribute("aria-describedby", tip.id);
  b.addEventListener("click", () => b.setAttribute("aria-expanded", String(wrap.classList.toggle("open"))));
  wrap.append(b, tip);
  return wrap;
}

/** A source page's link; a page at a retired address (mapped by the server) also names the address it had. */
function sourceLink(page) {
  const link = safeLink(page.url, page.title || page.url) || el("span", page.title || "");
  if (!page.original_url || page.original_url === page.url) return link;
  const both = el("span");
  both.append(link, el("span", ` (first published at ${page.original_url})`, "original"));
  return both;
}

function addDetails(li, m, question) {
  const medqa = m.medqa;
  if (medqa.citations?.length) {
    const panel = el("section", undefined, "sources");
    panel.setAttribute("aria-label", "Sources");
    panel.append(el("h2", "Sources"));
    const list = el("ul");
    for (const page of pagesOf(medqa)) {
      const item = el("li");
      item.append(el("span", `${page.numbers.map((n) => `[${n}]`).join("")} `, "numbers"), sourceLink(page));
      list.append(item);
    }
    panel.append(list);
    li.append(panel);
  }
  li.append(el("p", medqa.disclaimer, "note disclaimer"));
}

/** Each cited page once, with every [n] that points to it. */
function pagesOf(medqa) {
  const pages = new Map();
  for (const c of medqa.citations || []) {
    const key = c.url || `#${c.number}`;
    if (!pages.has(key)) pages.set(key, { ...c, numbers: [] });
    pages.get(key).numbers.push(c.number);
  }
  return [...pages.values()];
}

function copyButton(m) {
  const b = button("Copy", async () => {
    const text = m.medqa ? plainText(m.medqa) : m.partial;
    let done = false;
    try { await navigator.clipboard.writeText(text); done = true; } catch { /* no clipboard permission */ }
    b.textContent = done ? "Copied" : "Copy failed";
    setTimeout(() => { b.textContent = "Copy"; }, 2000);
  });
  b.setAttribute("aria-label", "Copy the answer and its sources");
  return b;
}

/** The answer as text to paste elsewhere: answer, sources, disclaimer. */
function plainText(medqa) {
  const sources = pagesOf(medqa).map((p) => `${p.numbers.map((n) => `[${n}]`).join("")} ${p.title} - ${p.url}`);
  return [medqa.answer, sources.length ? `Sources:\n${sources.join("\n")}` : "", medqa.disclaimer].filter(Boolean).join("\n\n");
}

function feedbackButtons(m, question) {
  const box = el("div", undefined, "feedback");
  const about = shorten(question, TITLE_CHARS);
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", `Feedback on the answer to “${about}”`);
  const status = el("span");
  status.setAttribute("role", "status");
  if (m.rating) status.textContent = "Thanks for the feedback.";
  // Words, not emoji: they render without an emoji font. The accessible name starts with the visible
  // word and names the question, so a screen reader can tell one answer's buttons from another's.
  const buttons = [["up", "Helpful"], ["down", "Not helpful"]].map(([rating, label]) => {
    const b = el("button", label, "secondary");
    b.type = "button";
    b.setAttribute("aria-label", `${label}: the answer to “${about}”`);
    b.setAttribute("aria-pressed", String(m.rating === rating));
    b.addEventListener("click", async () => {
      buttons.forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
      let res = null;
      try { res = await call("/api/feedback", { body: { answer_id: m.medqa.id, rating } }); } catch { /* offline */ }
      if (res?.ok) {
        m.rating = rating;
        save();
        status.textContent = "Thanks for the feedback.";
      } else {
        buttons.forEach((x, i) => x.setAttribute("aria-pressed", String(m.rating === ["up", "down"][i]))); // as it was
        status.textContent = `Feedback could not be saved${res ? `: ${await errorMessage(res)}` : ""}. Please try again.`;
      }
    });
    return b;
  });
  box.append(el("span", "Was this helpful?"), ...buttons, status);
  return box;
}

/** The banner stays for the whole conversation once it had an emergency; later answers appear below it. */
function showEmergency(convo) {
  const last = convo.messages.filter((m) => m.medqa?.triage === "emergency").at(-1);
  els.emergency.hidden = !last;
  els.emergency.textContent = last ? last.medqa.answer : "";
}

// ------------------------------------------------------------------ talking to the server
/** fetch with the API key this tab was given; on 401 asks for the key once and tries again. */
async function call(path, { body, signal } = {}) {
  const send = () => fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...authHeader() },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    cache: "no-store",
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

/** A sentence a person can act on, for a response that is not an answer. */
async function describeError(res) {
  const detail = sentence(await errorMessage(res));
  if (res.status === 429) return `Too many questions in a short time. ${detail} Then press Retry.`;
  if (res.status === 503) return `The assistant cannot answer right now. ${detail} Press Retry in a moment.`;
  if (res.status === 401) return "This server needs an API key, and the one given was refused. Reload the page to enter it again.";
  if (res.status >= 500) return "The server failed while answering (its log has the details). Press Retry to ask again.";
  return `The question was not accepted. ${detail}`;
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

/** (Re)answer the question at `userIndex`: everything after it is replaced by the new answer. */
function answer(convo, userIndex) {
  if (live) return;
  convo.messages.length = userIndex + 1;
  convo.messages.push({ role: "assistant", pending: true });
  touch(convo);
  save();
  renderAll();
  if (ready) stream(convo, convo.messages[userIndex + 1], convo.messages[userIndex].content);
  // else it waits, shown as waiting, and is sent by sendWaiting() once /ready says so
}

async function stream(convo, reply, question) {
  const controller = new AbortController();
  live = { convo, reply, controller, view: null };
  setBusy(true);
  const history = historyBefore(convo, convo.messages.indexOf(reply) - 1);
  let text = "";
  try {
    const res = await call("/v1/chat/completions",
      { body: { messages: [...history, { role: "user", content: question }], stream: true }, signal: controller.signal });
    if (res.status === 503 && !(await checkReady())) return; // still loading: it stays waiting, sent once ready
    if (!res.ok) { reply.error = await describeError(res); return; }
    for await (const chunk of sseEvents(res)) {
      if (chunk.error) { reply.error = `The answer failed part way: ${sentence(chunk.error.message)} Press Retry to ask again.`; break; }
      if (chunk.medqa) { reply.medqa = chunk.medqa; continue; } // the structured answer replaces the plain text
      const piece = chunk.choices?.[0]?.delta?.content;
      if (piece) {
        text += piece;
        reply.partial = text;
        save(); // a reload mid-answer keeps what was shown
        if (live.view) { renderMarkdown(text, live.view.body); live.view.li.scrollIntoView({ block: "end" }); }
      }
    }
    if (!reply.medqa && !reply.error) reply.error = "The answer ended early (the connection was closed). Press Retry to ask again.";
  } catch (err) {
    if (err.name === "AbortError") reply.stopped = true;
    else reply.error = "Could not reach the server. Check that medqa is still running, then press Retry.";
  } finally {
    if (reply.medqa || reply.error || reply.stopped) delete reply.pending;
    if (reply.medqa) delete reply.partial;
    live = null;
    touch(convo);
    save();
    setBusy(false);
    els.announce.textContent = reply.medqa ? `Answer: ${reply.medqa.answer}` : reply.error || (reply.stopped ? "Stopped." : "");
  }
}

function setBusy(busy) {
  els.stop.hidden = !busy;
  renderAll();
  if (!busy) els.question.focus();
}

// ------------------------------------------------------------------ readiness (the model and index load in the background)
/** Polls /ready; shows loading progress with an ETA, or why the assistant failed, with a retry. True once ready. */
async function checkReady() {
  clearTimeout(pollTimer);
  let res, body = {};
  try {
    res = await call("/ready");
    body = await res.json().catch(() => ({}));
  } catch {
    ready = false;
    showStatus("Cannot reach the server.", "Check that medqa is still running. Trying again…", null, true);
    pollTimer = setTimeout(checkReady, POLL_FAILED_MS);
    return false;
  }
  const progress = progressOf(body);
  if (res.ok) {
    ready = true;
    if (progress) { // answering already, while a part (the full index) is still being built
      showStatus("Ready.", `Answers come from keyword search until the rest is built: ${progressText(progress)}`, progress, false);
      pollTimer = setTimeout(checkReady, POLL_LOADING_MS * 5);
    } else {
      showStatus(null);
    }
    sendWaiting();
    return true;
  }
  ready = false;
  if (body.status === "loading") {
    const what = progress?.stage ? sentence(progress.stage) : sentence(body.reason || "the model and the index are loading");
    showStatus("The assistant is loading.", `${what} ${progress ? progressText(progress) : ""} You can type a question now: it is sent as soon as the assistant is ready.`, progress, false);
    pollTimer = setTimeout(checkReady, POLL_LOADING_MS);
  } else {
    showStatus("The assistant could not start.", sentence(body.reason || res.statusText || "no reason was given"), null, true);
    pollTimer = setTimeout(checkReady, POLL_FAILED_MS);
  }
  return false;
}

/** Progress from /ready, in whatever shape it comes: a fraction, or { fraction | percent | done+total, eta_s, stage }. */
function progressOf(body) {
  const p = body.progress ?? body;
  const num = (x) => (typeof x === "number" && Number.isFinite(x) ? x : null);
  if (num(p) !== null) return { fraction: Math.min(1, Math.max(0, p)), eta: null, stage: body.stage || "" };
  if (!p || typeof p !== "object") return null;
  let fraction = num(p.fraction);
  if (fraction === null && num(p.percent) !== null) fraction = p.percent / 100;
  if (fraction === null && num(p.done) !== null && num(p.total)) fraction = p.done / p.total;
  const eta = num(p.eta_s) ?? num(p.eta_seconds) ?? num(p.eta);
  const stage = [p.stage, p.message, body.stage].find((s) => typeof s === "string" && s) || "";
  if (fraction === null && eta === null) return null;
  return { fraction: fraction === null ? null : Math.min(1, Math.max(0, fraction)), eta, stage };
}

function progressText({ fraction, eta }) {
  const parts = [];
  if (fraction !== null) parts.push(`${Math.floor(fraction * 100)}% done`);
  if (eta !== null) {
    const minutes = Math.round(eta / 60);
    parts.push(eta < 60 ? "less than a minute left" : minutes < 60 ? `about ${minutes} min left` : `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`);
  }
  return parts.length ? `${parts.join(", ")}.` : "";
}

function showStatus(title, detail, progress, retry) {
  els.status.hidden = !title;
  if (!title) return;
  if (els.statusTitle.textContent !== title) els.statusTitle.textContent = title; // announced once, not every poll
  els.status.classList.toggle("failed", retry);
  els.statusDetail.textContent = detail.replace(/\s+/g, " ").trim();
  els.statusProgress.hidden = progress?.fraction == null;
  if (progress?.fraction != null) els.statusProgress.value = progress.fraction;
  els.statusRetry.hidden = !retry;
}

/** Send the question that waited for the assistant to load (typed before, or kept across a reload). */
function sendWaiting() {
  const convo = current();
  const reply = convo.messages.at(-1);
  if (!live && reply?.pending && convo.messages.length > 1) stream(convo, reply, convo.messages.at(-2).content);
}

// ------------------------------------------------------------------ the question box
function checkLength() {
  const over = els.question.value.length - MAX_CHARS;
  els.question.setAttribute("aria-invalid", String(over > 0));
  els.count.classList.toggle("over", over > 0);
  if (over > 0) {
    els.count.textContent = `Too long to send: ${els.question.value.length.toLocaleString("en")} characters, ` +
      `${over.toLocaleString("en")} over the limit of ${MAX_CHARS.toLocaleString("en")}. Shorten it, or ask the question on its own.`;
  } else {
    els.count.textContent = els.question.value.length > MAX_CHARS * 0.9
      ? `${(-over).toLocaleString("en")} characters left.` : "";
  }
  return over <= 0;
}

function startEdit(convo, index) {
  if (live) return;
  editing = { convo, index };
  els.question.value = convo.messages[index].content;
  els.editing.hidden = false;
  checkLength();
  els.question.focus();
}

function cancelEdit() {
  if (!editing) return;
  editing = null;
  els.editing.hidden = true;
  els.question.value = "";
  checkLength();
}

function submit() {
  const question = els.question.value.trim();
  if (!question || live) return;
  if (!checkLength()) { els.question.focus(); return; } // refused visibly, never cut
  let convo = current(), index = convo.messages.length;
  if (editing && editing.convo === convo) {
    index = editing.index;
    convo.messages.length = index; // the edited question and what followed it are replaced
  }
  editing = null;
  els.editing.hidden = true;
  convo.messages.push({ role: "user", content: question });
  els.question.value = "";
  checkLength();
  answer(convo, index);
}

// ------------------------------------------------------------------ events
els.form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
els.question.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submit();
  }
});
els.question.addEventListener("input", checkLength);
els.stop.addEventListener("click", () => live?.controller.abort());
els.newChat.addEventListener("click", startNewChat);
els.cancelEdit.addEventListener("click", () => { cancelEdit(); els.question.focus(); });
els.statusRetry.addEventListener("click", checkReady);
window.addEventListener("storage", (event) => { // another tab changed the conversations
  if (event.key === STORE_KEY && !live) { store = load(); renderAll(); }
});
if (window.matchMedia("(min-width: 60rem)").matches) els.history.open = true; // a phone keeps it folded
for (const convo of store.conversations) { // an answer cut by a reload mid-stream: keep what was shown
  const reply = convo.messages.at(-1);
  if (reply?.pending && (reply.partial || convo.id !== store.current)) { delete reply.pending; reply.stopped = true; }
}
renderAll();
checkReady();
