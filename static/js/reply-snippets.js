// The composer's snippet buttons (the crisis's information sources): one click inserts the text at
// the cursor in the reply, with a space on either side where a word would otherwise touch it.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest(".reply-snippet");
    if (!button) return;
    event.preventDefault();
    const text = document.getElementById("reply-text");
    if (!text) return;
    const start = text.selectionStart ?? text.value.length;
    const end = text.selectionEnd ?? start;
    const before = text.value.slice(0, start);
    const after = text.value.slice(end);
    const snippet = (before && !/\s$/.test(before) ? " " : "") + button.dataset.text + (after && !/^\s/.test(after) ? " " : "");
    text.value = before + snippet + after;
    const cursor = before.length + snippet.length;
    text.focus();
    text.setSelectionRange(cursor, cursor);
    text.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
