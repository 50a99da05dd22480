// A cluster's page: the answer's progress follows the live "crisis.cluster_progress" events (pushed
// after each commit by crisis/services/clusters.py); once a reply is finished, or when one starts
// that the page has not seen, the people's states are fetched again (htmx) from the progress part.
(function () {
  "use strict";
  const panel = document.getElementById("cluster-progress");
  if (!panel) return;

  function reload() {
    if (window.htmx) {
      window.htmx.ajax("GET", panel.dataset.progressUrl, { target: "#cluster-progress", swap: "innerHTML" });
    }
  }

  function setText(testid, value) {
    const node = panel.querySelector('[data-testid="' + testid + '"]');
    if (node) node.textContent = String(value);
  }

  document.addEventListener("vigie:live", function (message) {
    const event = message.detail || {};
    if (event.type !== "crisis.cluster_progress" || String(event.cluster_id) !== panel.dataset.clusterId) return;
    const shown = panel.querySelector("[data-reply-id]");
    if (!shown || shown.dataset.replyId !== String(event.reply_id)) {
      reload();
      return;
    }
    setText("progress-sent", event.sent);
    setText("progress-failed", event.failed);
    setText("progress-total", event.total);
    const bar = panel.querySelector("progress");
    if (bar) {
      bar.max = event.total;
      bar.value = event.sent + event.failed;
    }
    if (event.status === "finished" || event.sent + event.failed === event.total) reload();
  });
})();
