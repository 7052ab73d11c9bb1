// Small progressive enhancements. Everything works without this file.
(function () {
  "use strict";

  // Disclosure menus (<details class="user-menu">): close on Escape, on a
  // click outside, and when keyboard focus moves out of the menu.
  function closeMenu(menu, refocus) {
    if (!menu.open) return;
    menu.open = false;
    if (refocus) menu.querySelector("summary").focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      closeMenu(menu, menu.contains(document.activeElement));
    });
  });

  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) closeMenu(menu, false);
    });
  });

  document.addEventListener("focusin", function (event) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) closeMenu(menu, false);
    });
  });

  // A form's refusal summary (components/form_errors.html) is read first: its
  // autofocus does that on a full page; an htmx swap, or a browser that ignores
  // autofocus on a div, needs the focus given here. Its retry time is written in
  // the server's zone; show it in the member's.
  function localiseClocks(root) {
    root.querySelectorAll("[data-form-summary] time[data-clock]").forEach(function (node) {
      var when = new Date(node.getAttribute("datetime"));
      if (!isNaN(when)) node.textContent = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    });
  }

  function focusSummary(root) {
    var summary = root.querySelector("[data-form-summary]");
    if (summary && document.activeElement !== summary) summary.focus();
  }

  document.addEventListener("DOMContentLoaded", function () { localiseClocks(document); });
  window.addEventListener("load", function () {
    // A frame after autofocus has had its turn, so this only steps in where it did nothing.
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        if (!document.activeElement || document.activeElement === document.body) focusSummary(document);
      });
    });
  });
  document.addEventListener("htmx:load", function (event) {
    var root = event.target;
    if (root === document.body || !root.querySelector) return;
    localiseClocks(root);
    focusSummary(root);
  });
})();
