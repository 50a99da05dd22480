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
  let socket = null;
  let attempts = 0;
  let everConnected = false;
  let heartbeat = null;

  function setState(state) {
    indicator.dataset.state = state;
    indicator.textContent = labels[state] || state;
    body.dataset.liveState = state;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + url);
    socket.addEventListener("open", function () {
      const wasStale = everConnected;
      attempts = 0;
      everConnected = true;
      setState("live");
      document.dispatchEvent(new CustomEvent("vigie:open"));
      if (wasStale) document.dispatchEvent(new CustomEvent("vigie:caught-up"));
      heartbeat = setInterval(function () {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
      }, 20000);
    });
    socket.addEventListener("message", function (message) {
      let event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      document.dispatchEvent(new CustomEvent("vigie:live", { detail: event }));
    });
    socket.addEventListener("close", function (closed) {
      clearInterval(heartbeat);
      if (closed.code === 4404 || closed.code === 4401) { setState("refused"); return; }
      setState("stale");
      attempts += 1;
      // Back off up to 10 s, with jitter so that a restarted server is not stampeded.
      const delay = Math.min(10000, 500 * 2 ** Math.min(attempts, 5)) * (0.5 + Math.random() / 2);
      setTimeout(connect, delay);
    });
  }

  window.vigieLive = {
    send: function (payload) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(payload));
    },
  };
  connect();
})();
