// A live character count under each textarea[data-max-chars], for example "4,812 / 30,000".
//
// The limit is not a maxlength attribute, which would silently cut a long paste;
// the server refuses text over the limit and shows it back whole. This only warns
// early. The visible count changes as the member types; screen readers hear it
// through a polite live region once typing pauses, so every key isn't announced.
(function () {
  "use strict";

  var PAUSE = 800; // ms after the last keystroke before the count is announced
  var NEAR = 0.9; // below this share of the limit the count isn't announced at all
  var uid = 0;
  var numbers = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || "en") : null;

  function number(n) {
    return numbers ? numbers.format(n) : String(n);
  }

  // As the server counts: code points, not UTF-16 units (an emoji is one).
  function length(text) {
    var pairs = text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g);
    return text.length - (pairs ? pairs.length : 0);
  }

  function attach(textarea) {
    if (textarea.dataset.countReady) return;
    var max = parseInt(textarea.dataset.maxChars, 10);
    if (!max) return;
    textarea.dataset.countReady = "1";

    uid += 1;
    var count = document.createElement("p");
    count.className = "char-count";
    count.id = "char-count-" + uid;
    var visible = document.createElement("span");
    visible.setAttribute("aria-hidden", "true");
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    count.append(visible, spoken);

    var described = document.createElement("span");
    described.className = "visually-hidden";
    described.id = count.id + "-text";
    described.textContent = "Up to " + number(max) + " characters.";
    count.appendChild(described);
    var ids = (textarea.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    ids.push(described.id);
    textarea.setAttribute("aria-describedby", ids.join(" "));

    // After the editor's wrapper when there is one, so the count sits under the whole box.
    (textarea.closest(".editor") || textarea).after(count);

    var timer = null;

    function sentence(used) {
      if (used > max) return number(used - max) + " characters too many (limit " + number(max) + ")";
      return number(used) + " of " + number(max) + " characters";
    }

    function update(announce) {
      var used = length(textarea.value);
      var over = used > max;
      visible.textContent = number(used) + " / " + number(max) + (over ? " (" + number(used - max) + " too many)" : "");
      count.classList.toggle("is-over", over);
      count.classList.toggle("is-near", !over && used >= max * NEAR);
      clearTimeout(timer);
      if (announce && used >= max * NEAR) {
        timer = setTimeout(function () { spoken.textContent = sentence(used); }, PAUSE);
      }
    }

    textarea.addEventListener("input", function () { update(true); });
    update(false);
  }

  function init(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("textarea[data-max-chars]")) attach(root);
    root.querySelectorAll("textarea[data-max-chars]").forEach(attach);
  }

  document.addEventListener("htmx:load", function (event) { init(event.target); });
  init(document);
})();
