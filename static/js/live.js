// The organization's live channel: one websocket per page, reconnecting by itself.
// Pages listen for "vigie:live" (one event per server message) and "vigie:caught-up" (sent after
// a reconnection, so that they reload what they may have missed while stale).
(function () {
  "use strict";
  const body = document.body;
  const url = body.dataset.liveUrl;
  const indicator = document.getElementById("live-indicator");
  if (!url || !indicator) return;

  const labels = {
    live: window.gettext("Live"),
    stale: window.gettext("Offline — reconnecting…"),
    refused: window.gettext("Live access refused"),
  };
  // Reconnection: quick first tries, then every 2 s at most (with jitter, so that a restarted server
  // is not stampeded): a page is live again within ~2 s of the server (or Redis) coming back.
  const RETRY_FIRST_MS = 250;
  const RETRY_MAX_MS = 2000;
  // Heartbeat: a ping every 10 s, answered through the server's live channel (Redis); no answer
  // within 5 s means the socket is dead even if the browser has not noticed (network gone, server
  // hung, Redis lost): drop it and reconnect.
  const PING_EVERY_MS = 10000;
  const PONG_WITHIN_MS = 5000;
  let socket = null;
  let attempts = 0;
  let everConnected = false;
  let missedSomething = false;
  let heartbeat = null;
  let pongDeadline = null;
  let retry = null;

  function setState(state) {
    indicator.dataset.state = state;
    indicator.textContent = labels[state] || state;
    body.dataset.liveState = state;
  }

  function stopHeartbeat() {
    clearInterval(heartbeat);
    clearTimeout(pongDeadline);
    heartbeat = pongDeadline = null;
  }

  function scheduleReconnect() {
    if (retry) return;
    setState("stale");
    missedSomething = true;
    attempts += 1;
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (attempts - 1)) * (0.5 + Math.random() / 2);
    retry = setTimeout(function () { retry = null; connect(); }, delay);
  }

  function drop(dead) {
    // Forget this socket for good: a late "close" from it must not schedule a second reconnect.
    if (socket !== dead) return;
    socket = null;
    stopHeartbeat();
    try { dead.close(); } catch (e) { /* already closed */ }
    scheduleReconnect();
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const current = new WebSocket(scheme + location.host + url);
    socket = current;
    // A server that neither completes the handshake nor says hello in time is as good as dead.
    pongDeadline = setTimeout(function () { drop(current); }, PONG_WITHIN_MS);
    // Live only once the server says hello: it accepts, then closes with its code, a socket it
    // refuses (not a member, not logged in, live channel unavailable), so "open" proves nothing.
    function becameLive() {
      // A page rendered while not live (or that lost its socket) reloads what it may have missed.
      const caughtUp = missedSomething || everConnected || document.getElementById("stale-banner");
      clearTimeout(pongDeadline);
      pongDeadline = null;
      attempts = 0;
      everConnected = true;
      missedSomething = false;
      setState("live");
      const banner = document.getElementById("stale-banner");
      if (banner) banner.remove();
      document.dispatchEvent(new CustomEvent("vigie:open"));
      if (caughtUp) document.dispatchEvent(new CustomEvent("vigie:caught-up"));
      heartbeat = setInterval(function () {
        if (current.readyState !== WebSocket.OPEN) return;
        current.send(JSON.stringify({ type: "ping" }));
        if (!pongDeadline) pongDeadline = setTimeout(function () { drop(current); }, PONG_WITHIN_MS);
      }, PING_EVERY_MS);
    }
    current.addEventListener("message", function (message) {
      if (socket !== current) return;
      let event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event.type === "pong") {
        clearTimeout(pongDeadline);
        pongDeadline = null;
        return;
      }
      if (event.type === "hello" && !heartbeat) becameLive();
      document.dispatchEvent(new CustomEvent("vigie:live", { detail: event }));
    });
    current.addEventListener("close", function (closed) {
      if (socket !== current) return;
      if (closed.code === 4404 || closed.code === 4401) {
        socket = null;
        stopHeartbeat();
        setState("refused");
        return;
      }
      drop(current);
    });
  }

  window.vigieLive = {
    send: function (payload) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(payload));
    },
  };
  connect();
})();
