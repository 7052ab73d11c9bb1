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

  function refreshTimes(root) {
    if (root && root.querySelectorAll) root.querySelectorAll("time[datetime]").forEach(refreshTime);
  }

  // Content htmx swaps in (more replies, a queue item) arrives with absolute dates too.
  document.addEventListener("htmx:load", function (event) { refreshTimes(event.target); });
  refreshTimes(document);
  window.setInterval(function () { refreshTimes(document); }, 60000);
})();
