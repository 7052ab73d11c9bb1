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

  // A form's refusal summary (components/form_errors.html) takes focus, so it is
  // read first: autofocus does this in most browsers, but not after an htmx swap.
  // Its retry time is written in the server's zone; show it in the member's.
  function showRefusal(root) {
    var summary = root.querySelector && root.querySelector("[data-form-summary]");
    if (!summary) return;
    summary.querySelectorAll("time[data-clock]").forEach(function (node) {
      var when = new Date(node.getAttribute("datetime"));
      if (!isNaN(when)) node.textContent = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    });
    if (document.activeElement !== summary) summary.focus();
  }

  document.addEventListener("DOMContentLoaded", function () { showRefusal(document); });
  document.addEventListener("htmx:load", function (event) {
    if (event.target !== document.body) showRefusal(event.target);
  });
})();
