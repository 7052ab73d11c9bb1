/*
 * Lays the signed-in member's own state over a shared, cached page of replies.
 *
 * The server caches each page of replies once for everyone, so it carries no
 * personal markup: every control is rendered hidden or neutral. The page also
 * embeds <script type="application/json" id="viewer-state…"> with what this
 * member may do and has done; this script applies it, on load and after htmx
 * appends more replies.
 */
(function () {
  "use strict";

  var helpful = new Set();
  var viewer = null;

  function readStates(root) {
    root.querySelectorAll('script[type="application/json"][id^="viewer-state"]').forEach(function (node) {
      if (node.dataset.read) return;
      node.dataset.read = "1";
      var state = JSON.parse(node.textContent);
      viewer = viewer || state;
      state.helpful.forEach(function (id) { helpful.add(id); });
    });
  }

  function apply(root) {
    readStates(document);
    if (!viewer) return;
    var me = String(viewer.user);
    var caps = viewer.caps || {};

    root.querySelectorAll("input[data-csrf]").forEach(function (input) {
      input.value = viewer.csrf;
    });
    root.querySelectorAll("[data-cap]").forEach(function (node) {
      if (caps[node.dataset.cap]) node.hidden = false;
    });
    root.querySelectorAll("[data-owner]").forEach(function (node) {
      if (node.dataset.owner === me || caps.moderate) node.hidden = false;
    });
    root.querySelectorAll(".helpful-form[data-post]").forEach(function (form) {
      var button = form.querySelector("button");
      var on = form.querySelector('input[name="on"]');
      if (!button || !on) return;
      if (form.dataset.author === me || !caps.vote) button.disabled = true;
      if (helpful.has(Number(form.dataset.post))) {
        button.setAttribute("aria-pressed", "true");
        on.value = "0";
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { apply(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    // "Load more" replaces its button with the next page; apply to the whole list.
    apply(event.target.closest(".reply-list") || document);
  });
})();
