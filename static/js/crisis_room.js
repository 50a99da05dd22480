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
      // 24-hour clock times on the time axis (uPlot's default reads "12:31pm", foreign in French).
      axes: [{ values: function (u, splits) {
        return splits.map(function (ts) {
          const d = u.opts.tzDate(ts);
          return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
        });
      } }, { size: 44 }],
      legend: { live: false },
    });
    plot = new window.uPlot(options, data, chartBox);
  }

  // Points pushed while the series was being fetched, merged again once it arrives.
  let fetching = 0, heldPoints = [];

  function load(series) {
    xs = series.points.map(function (p) { return p[0]; });
    mentions = series.points.map(function (p) { return p[1]; });
    negative = series.points.map(function (p) { return p[2]; });
    const held = heldPoints;
    heldPoints = [];
    merge(held);
  }

  // Live points arrive for the last few minutes: update those minutes, append new ones (zeros
  // filling any gap), so a late mention counted in a past minute moves that minute only. Counters
  // only grow, so the larger figure is the fresher one, whatever order answers arrive in.
  function merge(points) {
    if (fetching) heldPoints = heldPoints.concat(points);
    points.forEach(function (point) {
      const at = point[0];
      if (!xs.length) { xs.push(at); mentions.push(point[1]); negative.push(point[2]); return; }
      const index = Math.round((at - xs[0]) / MINUTE);
      if (index < 0) return;
      while (xs.length <= index) { xs.push(xs[xs.length - 1] + MINUTE); mentions.push(0); negative.push(0); }
      mentions[index] = Math.max(mentions[index], point[1]);
      negative[index] = Math.max(negative[index], point[2]);
    });
    draw();
  }

  function refetchSeries() {
    fetching += 1;
    fetch(chartBox.dataset.seriesUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
      .then(function (series) { fetching -= 1; load(series); })
      .catch(function () { fetching -= 1; /* the next live event or reconnection tries again */ });
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

  // Answers may come back out of order on a busy server: only the latest request's answer for a
  // panel is shown, so an older (staler) one never overwrites a newer one.
  const latest = {};
  function replace(panelId, request) {
    const mine = (latest[panelId] = (latest[panelId] || 0) + 1);
    return request.then(function (answer) {
      const panel = document.getElementById(panelId);
      if (panel && mine === latest[panelId] && (answer.ok || answer.status === 400)) panel.innerHTML = answer.text;
      return answer;
    });
  }

  function refresh(panelId) {
    if (!document.getElementById(panelId)) return;
    replace(panelId, fetchText(panels[panelId]));
  }

  let postsRefreshedAt = 0;
  function refreshPostsNowAndThen() {
    const now = Date.now();
    if (now - postsRefreshedAt < POSTS_AT_MOST_EVERY_MS) return;
    postsRefreshedAt = now;
    refresh("room-posts");
  }

  function heartbeat() {
    replace("room-presence", fetchText(room.dataset.presenceUrl, { method: "POST" }));
  }

  room.addEventListener("submit", function (event) {
    const form = event.target.closest("form.room-form");
    if (!form) return;
    event.preventDefault();
    const body = new FormData(form);
    if (event.submitter && event.submitter.name) body.append(event.submitter.name, event.submitter.value);
    replace(form.dataset.panel, fetchText(form.action, { method: "POST", body: body }));
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
  // (Re)connected: the curves are read again (points pushed while away were lost), and after a
  // reconnection the panels too (the first connection follows a fresh render: nothing missed).
  document.addEventListener("vigie:open", refetchSeries);
  document.addEventListener("vigie:caught-up", function () {
    ["room-presence", "room-posts", "room-timeline", "room-tasks", "room-sources"].forEach(refresh);
  });

  // The first draw waits for the live channel's "open" (so no push falls between the two); a
  // page whose live channel never opens still draws from what the page was rendered with.
  setTimeout(function () { if (!plot && !xs.length) refetchSeries(); }, 3000);
  if (active) setInterval(heartbeat, HEARTBEAT_MS);
})();
