// The demo page: a Telegram-like client of the demo's /api/ routes. Plain JS, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
let state = null;
let current = "admin";
let version = "";
const seen = {};          // persona -> message count already looked at
let callsShown = 0;

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const data = await response.json();
  if (!data.ok) throw new Error(data.error || "ошибка");
  return data;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// --- Telegram entities (UTF-16 offsets: JS strings are UTF-16 too) -------------------------
const DEEP_LINK = /https:\/\/t\.me\/[A-Za-z0-9_]+\?start=([A-Za-z0-9_-]+)|https?:\/\/\S+/g;

function plain(text, into) {
  let last = 0;
  for (const match of text.matchAll(DEEP_LINK)) {
    into.append(text.slice(last, match.index));
    into.append(link(match[0], match[1]));
    last = match.index + match[0].length;
  }
  into.append(text.slice(last));
}

function link(url, token) {
  const a = el("a", {href: url, target: "_blank", rel: "noopener"}, url);
  if (token) {
    a.classList.add("deep-link");
    a.addEventListener("click", (event) => { event.preventDefault(); openDeepLink(token); });
  }
  return a;
}

function renderEntities(text, entities, start, end, into) {
  let position = start;
  const inside = entities.filter((e) => e.offset >= start && e.offset + e.length <= end)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  const top = [];
  let reach = start;
  for (const e of inside) {
    if (e.offset >= reach) { top.push(e); reach = e.offset + e.length; }
  }
  for (const e of top) {
    plain(text.slice(position, e.offset), into);
    const node = entityNode(e, text);
    const rest = inside.filter((x) => x !== e && x.offset >= e.offset && x.offset + x.length <= e.offset + e.length);
    renderEntities(text, rest, e.offset, e.offset + e.length, node.inner || node);
    into.append(node);
    position = e.offset + e.length;
  }
  plain(text.slice(position, end), into);
}

function entityNode(e, text) {
  const tags = {bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code"};
  if (tags[e.type]) return el(tags[e.type]);
  if (e.type === "pre") { const code = el("code"); const pre = el("pre", {}, code); pre.inner = code; return pre; }
  if (e.type === "text_link") return el("a", {href: e.url, target: "_blank", rel: "noopener"});
  if (e.type === "url") return el("a", {href: text.substr(e.offset, e.length), target: "_blank", rel: "noopener"});
  if (e.type === "blockquote" || e.type === "expandable_blockquote") return el("blockquote");
  if (e.type === "spoiler") {
    const span = el("span", {class: "spoiler"});
    span.addEventListener("click", () => span.classList.add("shown"));
    return span;
  }
  if (e.type === "text_mention") return el("a", {href: "#"});
  return el("span");
}

// --- Chat -----------------------------------------------------------------------------------
function renderMessage(m) {
  const box = el("div", {class: m.from_bot ? "msg" : "msg mine", "data-id": m.id});
  if (current === "desk" || !m.from_bot) box.append(el("div", {class: "sender"}, m.sender));
  if (m.photo) {
    box.append(el("div", {class: "photo"}, el("img", {src: "/api/file/" + m.photo.file_id, alt: "график"})));
  }
  if (m.document) {
    const ext = (m.document.name.split(".").pop() || "").toUpperCase().slice(0, 4);
    box.append(el("div", {class: "doc"}, el("div", {class: "icon"}, ext),
      el("div", {}, el("a", {href: "/api/file/" + m.document.file_id, download: m.document.name, class: "download"}, m.document.name),
        el("div", {class: "note"}, Math.max(1, Math.round(m.document.size / 1024)) + " КБ"))));
  }
  if (m.text) {
    const body = el("div", {class: "body"});
    renderEntities(m.text, m.entities || [], 0, m.text.length, body);
    box.append(body);
  }
  box.append(el("div", {class: "meta"}, (m.edited ? "изменено " : "") + m.time));
  const wrap = el("div", {class: "wrap"}, box);
  if (m.keyboard && m.keyboard.length) {
    const kb = el("div", {class: "keyboard"});
    for (const row of m.keyboard) {
      const r = el("div", {class: "row"});
      for (const button of row) {
        if (button.callback_data !== undefined) {
          r.append(el("button", {type: "button", "data-data": button.callback_data, "data-text": button.text,
            onclick: () => press(m.id, button.callback_data)}, button.text));
        } else if (button.url) {
          const match = button.url.match(/\?start=([A-Za-z0-9_-]+)/);
          const a = link(button.url, match && match[1]);
          a.textContent = button.text; a.className = "url";
          r.append(a);
        } else r.append(el("button", {type: "button", disabled: ""}, button.text));
      }
      kb.append(r);
    }
    wrap.append(kb);
  }
  return wrap;
}

async function loadChat() {
  const data = await api("/api/chat/" + current);
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(...data.messages.map(renderMessage));
  if (atBottom) box.scrollTop = box.scrollHeight;
  seen[current] = data.messages.length;
}

function toast(text, alert) {
  const t = $("toast");
  t.textContent = text; t.className = alert ? "alert" : ""; t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, alert ? 5000 : 2500);
}

async function press(messageId, data) {
  try {
    const result = await api("/api/press", {persona: current, message_id: messageId, data});
    if (result.toast.text) toast(result.toast.text, result.toast.show_alert);
  } catch (error) { toast(error.message, true); }
  refresh(true);
}

async function say(text, persona) {
  try { await api("/api/say", {persona: persona || current, text}); }
  catch (error) { toast(error.message, true); }
  setTimeout(() => refresh(true), 300);
}

function openDeepLink(token) {
  $("deeplink-token").textContent = token;
  const list = $("deeplink-personas");
  list.replaceChildren(...state.personas.filter((p) => !p.group).map((p) =>
    el("button", {type: "button", "data-persona": p.key, onclick: () => {
      $("deeplink").close(); select(p.key); say("/start " + token, p.key);
    }}, p.title)));
  $("deeplink").showModal();
}

// --- Sidebars -------------------------------------------------------------------------------
function select(key) {
  current = key;
  renderPersonas();
  loadChat();
}

function renderPersonas() {
  const persona = state.personas.find((p) => p.key === current);
  $("chat-title").textContent = persona.title;
  $("chat-sub").textContent = persona.subtitle + " · бот @" + state.bot_username;
  $("persona-list").replaceChildren(...state.personas.map((p) => {
    const unread = p.key === current ? 0 : p.messages - (seen[p.key] || 0);
    const li = el("li", {class: p.key === current ? "active" : "", "data-persona": p.key, onclick: () => select(p.key)},
      el("div", {class: "avatar"}, p.group ? "👥" : p.title[0]),
      el("div", {class: "who"}, el("b", {}, p.title), el("small", {}, p.subtitle)));
    if (unread > 0) li.append(el("span", {class: "badge"}, String(unread)));
    return li;
  }));
}

function renderSide() {
  $("clock").textContent = state.clock + " (" + state.timezone + ")";
  $("faults").replaceChildren(...state.faults.map((f) => el("label", {class: "fault"},
    (() => { const box = el("input", {type: "checkbox", "data-fault": f.name,
      onchange: async (e) => { await api("/api/fault", {name: f.name, on: e.target.checked}); refresh(true); }});
      box.checked = f.on; return box; })(), f.label)));
  const m = state.meter;
  const rows = [
    ["всего за секунду", m.overall_per_second, m.limits.overall_per_second],
    ["в одном личном чате за секунду", m.private_per_second, m.limits.private_per_second],
    ["в одной группе за минуту", m.group_per_minute, m.limits.group_per_minute],
  ];
  $("meter").replaceChildren(...rows.flatMap(([label, value, limit]) => [
    el("div", {class: "meter-row"}, el("span", {}, label), el("b", {}, value + " / " + limit)),
    (() => { const i = el("i", {class: value > limit ? "over" : ""}); i.style.width = Math.min(100, 100 * value / limit) + "%";
      return el("div", {class: "bar"}, i); })(),
  ]), el("div", {class: "note"}, "ответов 429: " + m.refused_429));
}

async function loadCalls() {
  const data = await api("/api/calls?since=" + callsShown);
  const list = $("calls");
  for (const call of data.calls) {
    const li = el("li", {class: call.ok ? "" : "err"},
      el("span", {class: "m"}, call.method), " ",
      el("span", {}, (call.chat_id ?? "") + " → " + (call.ok ? "200" : call.status + " " + (call.description || ""))),
      el("div", {class: "note"}, call.clock));
    li.addEventListener("click", () => {
      if (li.querySelector("pre")) { li.querySelector("pre").remove(); return; }
      li.append(el("pre", {}, JSON.stringify({params: call.params, result: call.result}, null, 1)));
    });
    list.prepend(li);
    callsShown = call.n + 1;
  }
}

async function refresh(force) {
  try {
    state = await api("/api/state");
  } catch (error) { return; }
  renderSide();
  if (force || state.version !== version) {
    version = state.version;
    await loadChat();
    await loadCalls();
    renderPersonas();
  }
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  $("text").value = "";
  say(text);
});

async function moveClock(moment) {
  $("clock-result").textContent = "часы идут…";
  try {
    const s = (await api("/api/clock", {moment})).summary;
    $("clock-result").textContent = "Сейчас " + s.clock + ": отправлено сообщений " + s.messages +
      " (напоминаний " + s.reminders + "), эскалаций " + s.escalated + ", сводок " + s.digests + ".";
  } catch (error) { $("clock-result").textContent = error.message; }
  refresh(true);
}
$("clock-form").addEventListener("submit", (event) => { event.preventDefault(); moveClock($("clock-input").value); });
document.querySelectorAll("button.quick").forEach((b) => b.addEventListener("click", () => moveClock(b.dataset.moment)));

refresh(true);
setInterval(refresh, 700);
