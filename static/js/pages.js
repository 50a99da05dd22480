// Behaviours every page shares, kept out of the markup: the Content-Security-Policy allows scripts
// and styles from our own files only, so no inline handler, <script> block or style attribute.
//   data-brand="#1f6feb"        sets the element's --brand colour (an organization's swatch);
//   data-submit-on-change       submits the element's form when its value changes (language menu);
//   data-reset-on-success       resets the form after its htmx request succeeded (notes).
(function () {
  "use strict";

  function applyBrands(root) {
    root.querySelectorAll("[data-brand]").forEach(function (element) {
      // Only colours reach the style: the server validates them, this checks again.
      if (/^#[0-9a-fA-F]{6}$/.test(element.dataset.brand)) {
        element.style.setProperty("--brand", element.dataset.brand);
      }
    });
  }

  document.addEventListener("change", function (event) {
    const field = event.target;
    if (field.matches && field.matches("[data-submit-on-change]") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.target;
    if (form.matches && form.matches("form[data-reset-on-success]") && event.detail.successful) {
      form.reset();
    }
  });

  // An admin changed this person's role or removed them: the open page follows at once (menus and
  // buttons of the new role; nothing more of this organization once removed).
  document.addEventListener("vigie:live", function (event) {
    const type = event.detail && event.detail.type;
    if (type === "membership.changed") window.location.reload();
    else if (type === "membership.removed") window.location.assign("/");
  });

  // Swapped-in fragments (htmx, live updates) may bring swatches of their own.
  document.addEventListener("htmx:afterSwap", function (event) { applyBrands(event.target); });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { applyBrands(document); });
  } else {
    applyBrands(document);
  }
})();
