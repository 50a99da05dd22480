// The crisis room: live curves (uPlot, vendored), presence heartbeat, and panels that refresh on
// the organization's "crisis" live events. Forms post with fetch and get their panel back (errors
// included, status 400); without this script they still work as plain forms.
(function () {
  "use strict";
  const room = document.getElementById("crisis-room");
  if (!room) return;
  const crisisId = Number(room.dataset.crisisId);
  const active = room.dataset.active === "1";
  const chartBox = document.getElementById("room-chart");
  const MINUTE = 60;
  const HEARTBEAT_MS = 20000;
  const POSTS_AT_MOST_EVERY_MS = 15000;

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function fetchText(url, options) {
    const init = Object.assign({ credentials: "same-origin" }, options || {});
    init.headers = Object.assign({ "HX-Request": "true", "X-CSRFToken": csrf() }, init.headers || {});
    return fetch(url, init).then(function (response) {
      return response.text().then(function (text) { return { ok: response.ok, status: response.status, text: text }; });
    });
  }

  // --- the curves ----------------------------------------------------------------------------------
  let xs = [], mentions = [], negative = [];
  let plot = null;

  function figures() {
    const total = mentions.reduce(function (a, b) { return a + b; }, 0);
    chartBox.dataset.total = String(total);
    chartBox.dataset.points = String(xs.length);
    const last = document.getElementById("room-last-minute");
    const all = document.getElementById("room-total");
    if (last) last.textContent = String(mentions.length ? mentions[mentions.length - 1] : 0);
    if (all) all.textContent = String(total);
  }

  function size() {
    const width = Math.max(200, chartBox.clientWidth);
    return { width: width, height: width < 500 ? 200 : 260 };
  }

  function draw() {
    figures();
    if (!window.uPlot) return;
    const data = [xs, mentions, negative];
    if (plot) { plot.setData(data); return; }
    const options = Object.assign(size(), {
      scales: { x: { time: true } },
      // The times of the page (the person's or the organization's zone), not the browser's.
      tzDate: function (ts) {
        try { return window.uPlot.tzDate(new Date(ts * 1000), chartBox.dataset.timeZone || "UTC"); }
        catch (e) { return new Date(ts * 1000); }
      },
      series: [
        {},
        { label: chartBox.dataset.labelMentions, stroke: "#1f6feb", width: 2, fill: "rgba(31,111,235,0.08)" },
        { label: chartBox.dataset.labelNegative, stroke: "#b42318", width: 2 },
      ],
      axes: [{}, { size: 44 }],
      legend: { live: false },
    });
    plot = new window.uPlot(options, data, chartBox);
  }

  function load(series) {
    xs = series.points.map(function (p) { return p[0]; });
    mentions = series.points.map(function (p) { return p[1]; });
    negative = series.points.map(function (p) { return p[2]; });
    draw();
  }

  // Live points arrive for the last few minutes: replace those minutes, append new ones (zeros
  // filling any gap), so a late mention counted in a past minute moves that minute only.
  function merge(points) {
    points.forEach(function (point) {
      const at = point[0];
      if (!xs.length) { xs.push(at); mentions.push(point[1]); negative.push(point[2]); return; }
      const index = Math.round((at - xs[0]) / MINUTE);
      if (index < 0) return;
      while (xs.length <= index) { xs.push(xs[xs.length - 1] + MINUTE); mentions.push(0); negative.push(0); }
      mentions[index] = point[1];
      negative[index] = point[2];
    });
    draw();
  }

  function refetchSeries() {
    fetch(chartBox.dataset.seriesUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
      .then(load)
      .catch(function () { /* the next live event or reconnection tries again */ });
  }

  let resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { if (plot) plot.setSize(size()); }, 150);
  });

  // --- panels --------------------------------------------------------------------------------------
  const panels = {
    "room-presence": room.dataset.presenceUrl,
    "room-posts": room.dataset.postsUrl,
    "room-timeline": room.dataset.timelineUrl,
    "room-tasks": room.dataset.tasksUrl,
    "room-sources": room.dataset.sourcesUrl,
  };

  function refresh(panelId) {
    const panel = document.getElementById(panelId);
    if (!panel) return;
    fetchText(panels[panelId]).then(function (answer) { if (answer.ok) panel.innerHTML = answer.text; });
  }

  let postsRefreshedAt = 0;
  function refreshPostsNowAndThen() {
    const now = Date.now();
    if (now - postsRefreshedAt < POSTS_AT_MOST_EVERY_MS) return;
    postsRefreshedAt = now;
    refresh("room-posts");
  }

  function heartbeat() {
    const panel = document.getElementById("room-presence");
    fetchText(room.dataset.presenceUrl, { method: "POST" }).then(function (answer) {
      if (answer.ok && panel) panel.innerHTML = answer.text;
    });
  }

  room.addEventListener("submit", function (event) {
    const form = event.target.closest("form.room-form");
    if (!form) return;
    event.preventDefault();
    const body = new FormData(form);
    if (event.submitter && event.submitter.name) body.append(event.submitter.name, event.submitter.value);
    const panel = document.getElementById(form.dataset.panel);
    fetchText(form.action, { method: "POST", body: body }).then(function (answer) {
      if (panel && (answer.ok || answer.status === 400)) panel.innerHTML = answer.text;
    });
  });

  // --- live ----------------------------------------------------------------------------------------
  document.addEventListener("vigie:live", function (event) {
    const message = event.detail || {};
    if (!message.type || message.type.indexOf("crisis.") !== 0 || message.crisis_id !== crisisId) return;
    const kind = message.type.slice("crisis.".length);
    if (kind === "series") { merge(message.points || []); refreshPostsNowAndThen(); }
    else if (kind === "timeline") refresh("room-timeline");
    else if (kind === "tasks") refresh("room-tasks");
    else if (kind === "sources") refresh("room-sources");
    else if (kind === "presence") {
      // Only a newcomer changes the list: everyone's own heartbeat keeps the rest fresh.
      const present = document.querySelector('#room-presence [data-user-id="' + Number(message.user_id) + '"]');
      if (!present) refresh("room-presence");
    } else if (kind === "closed" || kind === "declared") window.location.reload();
  });
  // (Re)connected: whatever was pushed while away is read again from the server.
  document.addEventListener("vigie:open", function () {
    refetchSeries();
    refresh("room-timeline");
    refresh("room-tasks");
    refresh("room-posts");
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", refetchSeries);
  else refetchSeries();
  if (active) setInterval(heartbeat, HEARTBEAT_MS);
})();
