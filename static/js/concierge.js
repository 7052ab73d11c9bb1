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

  // Relative times. The server writes every <time datetime> as an absolute
  // date ("3 Dec 2026, 21:05"), the same for every reader and as right in a
  // week-old cached page as in a new one; here it reads "5 minutes ago",
  // computed now, and the absolute date moves to the tooltip.
  var relative = window.Intl && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(document.documentElement.lang || "en", { numeric: "auto" })
    : null;
  var UNITS = [
    ["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60],
  ];

  function refreshTime(node) {
    var value = node.getAttribute("datetime");
    // A bare date ("2026-12-03") names a day, not a moment: it stays as written.
    if (!relative || !value || value.indexOf("T") === -1) return;
    var when = Date.parse(value);
    if (isNaN(when)) return;
    if (!node.hasAttribute("title")) node.setAttribute("title", node.textContent.trim());
    var seconds = (when - Date.now()) / 1000;
    var text = "just now";
    for (var i = 0; i < UNITS.length; i++) {
      if (Math.abs(seconds) >= UNITS[i][1]) {
        text = relative.format(Math.round(seconds / UNITS[i][1]), UNITS[i][0]);
        break;
      }
    }
    node.textContent = text;
  }

  // A clock time (data-clock, a refusal's retry time) says when, not how long ago.
  function refreshTimes(root) {
    if (root && root.querySelectorAll) root.querySelectorAll("time[datetime]:not([data-clock])").forEach(refreshTime);
  }

  // Content htmx swaps in (more replies, a queue item) arrives with absolute dates too.
  document.addEventListener("htmx:load", function (event) { refreshTimes(event.target); });
  refreshTimes(document);
  window.setInterval(function () { refreshTimes(document); }, 60000);
})();
