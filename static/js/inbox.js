// The inbox list and the shortcuts shared with the conversation view.
(function () {
  "use strict";
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  const _ = window.gettext, format = window.interpolate;

  function post(url, data) {
    const body = new URLSearchParams(data);
    return fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": csrf, "HX-Request": "true" }, credentials: "same-origin" });
  }

  // --- SLA countdowns -------------------------------------------------------------------------
  function duration(minutes) {
    if (minutes < 60) return minutes + " min";
    const hours = Math.floor(minutes / 60), rest = minutes % 60;
    if (hours < 48) return rest ? hours + " h " + String(rest).padStart(2, "0") : hours + " h";
    return format(_("%s d"), [Math.floor(hours / 24)]);
  }
  function tickSla() {
    const now = Date.now();
    document.querySelectorAll(".sla[data-due]").forEach(function (badge) {
      const left = Date.parse(badge.dataset.due) - now;
      badge.classList.remove("sla-running", "sla-due-soon", "sla-breached");
      if (left < 0) {
        badge.classList.add("sla-breached");
        badge.textContent = format(_("late %s"), [duration(Math.floor(-left / 60000))]);
      } else {
        const minutes = Math.floor(left / 60000);
        badge.classList.add(minutes < 15 ? "sla-due-soon" : "sla-running");
        badge.textContent = format(_("due in %s"), [duration(minutes)]);
      }
    });
  }
  setInterval(tickSla, 15000);

  // --- dialogs shared by both pages -------------------------------------------------------------
  function ask(dialogId) {
    const dialog = document.getElementById(dialogId);
    return new Promise(function (resolve) {
      if (!dialog) return resolve("");
      const input = dialog.querySelector("input");
      if (input) input.value = "";
      dialog.addEventListener("close", function done() {
        dialog.removeEventListener("close", done);
        resolve(input && dialog.returnValue === "ok" ? input.value.trim() : dialog.returnValue);
      });
      dialog.showModal();
    });
  }

  function act(url, data) {
    return post(url, data).then(function (response) {
      if (!response.ok) return response.text().then(function (text) { alert(text); });
      document.dispatchEvent(new CustomEvent("vigie:acted"));
    });
  }

  function actOn(actUrl, key) {
    if (key === "a") return act(actUrl, { action: "assign", assignee: "me" });
    if (key === "e") return act(actUrl, { action: "status", status: "closed" });
    if (key === "s") return ask("snooze-dialog").then(function (until) { if (until) return act(actUrl, { action: "snooze", snoozed_until: until }); });
    if (key === "t") return ask("tag-dialog").then(function (tag) { if (tag) return act(actUrl, { action: "tag", tag: tag }); });
  }

  function typingInField(event) {
    const target = event.target;
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  }

  window.vigieInbox = { post: post, act: act, actOn: actOn, ask: ask, typingInField: typingInField, tickSla: tickSla };

  document.addEventListener("keydown", function (event) {
    const shortcuts = document.getElementById("shortcuts");  // not on every page that ticks SLA clocks
    if (event.key === "?" && !typingInField(event) && shortcuts) {
      event.preventDefault();
      shortcuts.showModal();
    }
  });

  // --- the list page ---------------------------------------------------------------------------------
  const inbox = document.getElementById("inbox");
  if (!inbox) return;
  const rowsBody = document.getElementById("rows");
  const newBar = document.getElementById("new-bar");
  const newCount = document.getElementById("new-count");
  let filterQuery = inbox.dataset.filterQuery;
  // New conversations nobody has opened yet count in the tab's title and icon.
  if (window.vigieBadge) window.vigieBadge.set("inbox", Number(inbox.dataset.newCount) || 0);
  const rowsUrl = inbox.dataset.rowsUrl;
  const pendingNew = new Set();
  let selected = -1;

  function rows() { return Array.from(rowsBody.querySelectorAll("tr.row")); }
  function actUrl(row) { return inbox.dataset.actUrlTemplate.replace("/0/", "/" + row.dataset.id + "/"); }

  function select(index) {
    const all = rows();
    if (!all.length) return;
    selected = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) {
      row.classList.toggle("selected", i === selected);
      row.setAttribute("aria-selected", i === selected ? "true" : "false");
    });
    all[selected].scrollIntoView({ block: "nearest" });
    all[selected].focus({ preventScroll: true });
  }
  function current() { return rows()[selected]; }

  function rowsFor(ids, query) {
    query = query === undefined ? filterQuery : query;
    const url = rowsUrl + "?" + query + (query ? "&" : "") + "ids=" + ids.join(",");
    return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" }).then(function (r) { return r.text(); });
  }

  // Changed conversations: rows on screen are updated in place; ones that now belong to this view
  // but are not on screen are counted in the "N new" bar instead of pushing rows under the cursor.
  function refreshConversations(ids) {
    if (!ids.length) return;
    rowsFor(ids).then(function (html) {
      const template = document.createElement("template");
      template.innerHTML = "<table><tbody>" + html + "</tbody></table>";
      const fresh = Array.from(template.content.querySelectorAll("tr.row"));
      const freshIds = new Set(fresh.map(function (row) { return row.dataset.id; }));
      fresh.forEach(function (row) {
        const existing = document.getElementById(row.id);
        if (existing) {
          const wasSelected = existing.classList.contains("selected");
          const checked = existing.querySelector("input[type=checkbox]").checked;
          existing.replaceWith(row);
          row.classList.toggle("selected", wasSelected);
          row.querySelector("input[type=checkbox]").checked = checked;
        } else {
          pendingNew.add(row.dataset.id);
        }
      });
      // Rows that no longer match the view (closed, snoozed, given to someone else) stay until
      // the next reload, dimmed, but showing what changed: the new status, assignee, tags, snooze.
      const left = ids.filter(function (id) {
        return document.getElementById("conversation-" + id) && !freshIds.has(String(id));
      });
      if (left.length) {
        rowsFor(left, "status=all").then(function (html) {
          const unfiltered = document.createElement("template");
          unfiltered.innerHTML = "<table><tbody>" + html + "</tbody></table>";
          unfiltered.content.querySelectorAll("tr.row").forEach(function (row) {
            const existing = document.getElementById(row.id);
            if (!existing) return;
            const wasSelected = existing.classList.contains("selected");
            existing.replaceWith(row);
            row.classList.add("left-view");
            row.classList.toggle("selected", wasSelected);
            if (wasSelected) row.setAttribute("aria-selected", "true");
          });
          tickSla();
        });
      }
      if (pendingNew.size) {
        newCount.textContent = pendingNew.size;
        newBar.hidden = false;
      }
      tickSla();
    });
  }

  function reload() {
    const url = rowsUrl + "?" + filterQuery;
    return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      rowsBody.innerHTML = html;
      if (window.htmx) window.htmx.process(rowsBody);
      pendingNew.clear();
      newBar.hidden = true;
      selected = -1;
      tickSla();
    });
  }
  document.getElementById("show-new").addEventListener("click", reload);
  document.addEventListener("vigie:caught-up", reload);
  document.addEventListener("vigie:acted", function () {
    const row = current();
    if (row) refreshConversations([row.dataset.id]);
  });
  document.body.addEventListener("vigie:bulk-done", reload);

  // Filters apply as they change; the address keeps them (a reload or a shared link shows the
  // same list). Typing in the search box waits for a pause.
  const filtersForm = document.getElementById("filters");
  if (filtersForm) {
    document.getElementById("apply-filters").hidden = true;
    let searchTimer = null;
    function applyFilters() {
      const params = new URLSearchParams();
      new FormData(filtersForm).forEach(function (value, key) { if (value !== "") params.append(key, value); });
      if (params.get("sort") === "recent") params.delete("sort");
      filterQuery = params.toString();
      inbox.dataset.filterQuery = filterQuery;
      history.replaceState(null, "", location.pathname + (filterQuery ? "?" + filterQuery : ""));
      reload();
    }
    filtersForm.addEventListener("change", function (event) {
      if (event.target.id !== "search") applyFilters();
    });
    filtersForm.addEventListener("input", function (event) {
      if (event.target.id !== "search") return;
      clearTimeout(searchTimer);
      searchTimer = setTimeout(applyFilters, 350);
    });
    filtersForm.addEventListener("submit", function (event) { event.preventDefault(); clearTimeout(searchTimer); applyFilters(); });
  }

  // Counters beside the views: refreshed at most every 2 s while events flow.
  let countsTimer = null;
  function refreshCounts() {
    if (countsTimer) return;
    countsTimer = setTimeout(function () {
      countsTimer = null;
      fetch(inbox.dataset.countsUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (counts) {
        if (window.vigieBadge) window.vigieBadge.set("inbox", counts.new || 0);
        Object.keys(counts).forEach(function (key) {
          const badge = document.querySelector('[data-count="' + key + '"]');
          if (badge) badge.textContent = counts[key];
        });
      });
    }, 2000);
  }
  document.addEventListener("vigie:caught-up", refreshCounts);

  document.addEventListener("vigie:live", function (event) {
    const data = event.detail;
    if (data.type !== "presence" && data.type !== "hello" && data.type !== "pong") refreshCounts();
    let ids = data.conversation_ids || (data.conversation_id ? [data.conversation_id] : []);
    if (ids.length) refreshConversations(ids.slice(0, 200));
  });

  rowsBody.addEventListener("click", function (event) {
    const row = event.target.closest("tr.row");
    if (!row || event.target.closest("a, input, button")) return;
    select(rows().indexOf(row));
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typingInField(event)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const key = event.key;
    if (key === "j" || key === "ArrowDown") { event.preventDefault(); select(selected + 1); }
    else if (key === "k" || key === "ArrowUp") { event.preventDefault(); select(selected < 0 ? 0 : selected - 1); }
    else if (key === "/") { event.preventDefault(); document.getElementById("search").focus(); }
    else if (key === "Enter" && current()) { window.location = current().dataset.href; }
    else if (key === "r" && current()) { window.location = current().dataset.href + "#reply"; }
    else if (key === "x" && current()) { const box = current().querySelector("input[type=checkbox]"); box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); }
    else if ("aest".includes(key) && key.length === 1 && current() && inbox.dataset.canWork) { event.preventDefault(); actOn(actUrl(current()), key); }
  });

  // --- bulk selection -------------------------------------------------------------------------------
  const bulkForm = document.getElementById("bulk-form");
  if (bulkForm) {
    const selectPage = document.getElementById("select-page");
    const selectMatching = document.getElementById("select-matching");
    const scope = document.getElementById("bulk-scope");
    const summary = document.getElementById("bulk-selection");
    function updateSummary() {
      const boxes = rows().map(function (row) { return row.querySelector("input[type=checkbox]"); });
      const picked = boxes.filter(function (box) { return box.checked; }).length;
      if (scope.value === "filter") {
        summary.textContent = _("Every conversation matching this filter");
      } else {
        summary.textContent = picked ? format(_("%s selected"), [picked]) : "";
      }
      selectMatching.hidden = !(picked && picked === boxes.length);
    }
    selectPage.addEventListener("change", function () {
      rows().forEach(function (row) { row.querySelector("input[type=checkbox]").checked = selectPage.checked; });
      scope.value = "ids";
      updateSummary();
    });
    selectMatching.addEventListener("click", function () { scope.value = "filter"; updateSummary(); });
    rowsBody.addEventListener("change", function () { scope.value = "ids"; updateSummary(); });
    bulkForm.addEventListener("htmx:afterRequest", function () { scope.value = "ids"; selectPage.checked = false; updateSummary(); });
  }
})();
