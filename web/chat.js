// Penpal's web chat: talks to Rasa's socket.io channel (penpal.channels.socketio)
// with the socket.io client from npm (web/package.json, served at
// /chat/static/socket.io.min.js). The session id is kept in localStorage: a
// reload asks for the same session, and the server answers with the
// conversation so far.
"use strict";

(function () {
  const SESSION_KEY = "penpal.session_id";
  const transcript = document.getElementById("transcript");
  const composer = document.getElementById("composer");
  const input = document.getElementById("message");
  const statusLine = document.getElementById("status");

  let sessionId = localStorage.getItem(SESSION_KEY);
  // socket.io reconnects by itself; each (re)connection asks for the session again.
  const socket = io({ path: "/socket.io", transports: ["websocket"] });
  socket.on("connect", () => socket.emit("session_request", { session_id: sessionId }));
  socket.on("disconnect", () => {
    setStatus("reconnecting…");
    document.body.dataset.session = "";
  });

  const handlers = {
    session_confirm(id) {
      sessionId = id;
      localStorage.setItem(SESSION_KEY, id);
      document.body.dataset.session = id; // lets tests (and curious writers) see it
      setStatus("online");
    },
    session_history(history) {
      transcript.replaceChildren();
      for (const entry of history) {
        if (entry.sender === "user") showUser(entry.text);
        else showBot(entry.text, entry.buttons, true);
      }
    },
    bot_uttered(message) {
      const buttons = (message.quick_replies || message.buttons || []).map(
        (b) => ({ title: b.title, payload: b.payload }));
      const image = message.attachment && message.attachment.payload &&
        message.attachment.payload.src;
      showBot(message.text || "", buttons, false, image);
    },
  };

  function send(text, display) {
    if (!socket.connected || !document.body.dataset.session) {
      setStatus("not connected yet, try again in a moment");
      return false;
    }
    const message = { message: text, session_id: sessionId };
    if (display) message.metadata = { display };
    socket.emit("user_uttered", message);
    showUser(display || text);
    return true;
  }

  function showUser(text) {
    append("user", text);
  }

  function showBot(text, buttons, fromHistory, image) {
    const item = append("bot", text);
    if (image) {
      const img = document.createElement("img");
      img.src = image;
      img.alt = "";
      item.appendChild(img);
    }
    if (buttons && buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      for (const { title, payload } of buttons) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = title;
        button.disabled = fromHistory;
        button.addEventListener("click", () => {
          if (send(payload, title)) row.querySelectorAll("button").forEach((b) => (b.disabled = true));
        });
        row.appendChild(button);
      }
      item.appendChild(row);
    }
  }

  // Text is shown as text (never as HTML); web addresses become links.
  function append(sender, text) {
    const item = document.createElement("li");
    item.className = `message message--${sender}`;
    for (const part of text.split(/(https?:\/\/[^\s<>"]+)/)) {
      if (/^https?:\/\//.test(part)) {
        const link = document.createElement("a");
        link.href = part;
        link.textContent = part;
        link.target = "_blank";
        link.rel = "noopener";
        item.appendChild(link);
      } else if (part) {
        item.appendChild(document.createTextNode(part));
      }
    }
    transcript.appendChild(item);
    transcript.scrollTop = transcript.scrollHeight;
    return item;
  }

  function setStatus(text) {
    statusLine.textContent = text;
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text && send(text)) input.value = "";
  });

  for (const [name, handler] of Object.entries(handlers)) socket.on(name, handler);
})();
