/*
 * Lays the signed-in member's own state over a shared, cached page of replies.
 *
 * The server caches each page of replies once for everyone, so it carries no
 * personal markup. The page embeds <script type="application/json"
 * id="viewer-state…"> with this member's votes, CSRF token, and the tools the
 * server allows them on each post, and a <template> per tool
 * (community/jinja2/community/post_tools.html). This script applies both, on load and after htmx
 * appends more replies. It decides nothing: every "may" comes from the server.
 */
(function () {
  "use strict";

  var helpful = new Set();
  var tools = {};
  var viewer = null;

  function readStates(root) {
    root.querySelectorAll('script[type="application/json"][id^="viewer-state"]').forEach(function (node) {
      if (node.dataset.read) return;
      node.dataset.read = "1";
      var state = JSON.parse(node.textContent);
      viewer = viewer || state;
      state.helpful.forEach(function (id) { helpful.add(id); });
      Object.keys(state.tools || {}).forEach(function (id) { tools[id] = state.tools[id]; });
    });
    // Other apps' tools for the same posts (the FAQ's "Promote"), decided by their own permissions.
    root.querySelectorAll('script[type="application/json"][id^="tools-"]').forEach(function (node) {
      if (node.dataset.read) return;
      node.dataset.read = "1";
      var extra = JSON.parse(node.textContent);
      Object.keys(extra).forEach(function (id) { tools[id] = (tools[id] || []).concat(extra[id]); });
    });
  }

  function tool(name, id) {
    var template = document.getElementById("tool-" + name);
    if (!template) return null;
    var node = template.content.firstElementChild.cloneNode(true);
    [node].concat(Array.prototype.slice.call(node.querySelectorAll("*"))).forEach(function (el) {
      ["action", "hx-post", "href", "id", "for", "value", "data-reply"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value && value.indexOf("__ID__") !== -1) el.setAttribute(attr, value.replace("__ID__", id));
      });
    });
    return node;
  }

  // The tools the server allows on this post (viewer state "tools"), added to `into`.
  // Which of a pair to show (accept or unaccept, ...) follows the post's marks; whether to show one never does.
  function buildTools(marks, into, allowed) {
    var id = marks.post;
    var names = [];
    if (allowed.has("accept")) names.push("accepted" in marks ? "unaccept" : "accept");
    if (allowed.has("verify")) names.push("verified" in marks ? "unverify" : "verify");
    if (allowed.has("solve") && !("solution" in marks)) names.push("solve");
    if (allowed.has("flag")) names.push("flag");
    if (allowed.has("edit")) names.push("edit");
    if (allowed.has("delete")) names.push("opening" in marks ? "remove-thread" : "remove");
    if (allowed.has("edit_others")) names.push("mod-edit");
    if (allowed.has("remove")) names.push("opening" in marks ? "mod-remove-thread" : "mod-remove");
    if (allowed.has("promote")) names.push("promote");
    names.forEach(function (name) {
      var node = tool(name, id);
      if (node) into.appendChild(node);
    });
  }

  function openReply(link) {
    var post = link.closest(".post");
    var existing = post.querySelector(":scope > .post-main > .reply-form");
    if (existing) {
      existing.querySelector("textarea").focus();
      return;
    }
    var form = tool("reply", link.dataset.reply);
    if (!form) return;
    link.closest(".post-actions").after(form);
    // The editor script enhances textareas announced the way htmx announces new content.
    form.dispatchEvent(new CustomEvent("htmx:load", { bubbles: true }));
    form.querySelector("textarea").focus();
  }

  // Replies past the member's read position (viewer state "read_through"), but for their own, are new to them:
  // each gets a "New" mark, and a divider goes before the first. A page just opened scrolls there, unless
  // the address names a post it shows; replies added later never move the page. A member who never read
  // the thread has no position and sees no marks.
  function markUnread(root, opening) {
    if (!viewer || viewer.read_through === undefined) return;
    var own = new Set(viewer.own || []);
    var fresh = [];
    root.querySelectorAll(".reply-list article.post[id^='post-']:not(.is-deleted):not(.is-unread)").forEach(function (post) {
      var id = Number(post.id.slice(5));
      if (id > viewer.read_through && !own.has(id)) fresh.push(post);
    });
    if (!fresh.length) return;
    fresh.forEach(function (post) {
      post.classList.add("is-unread");
      var header = post.querySelector(".post-header");
      if (!header) return;
      var mark = document.createElement("span");
      mark.className = "badge badge-primary badge-new";
      mark.textContent = "New";
      header.appendChild(mark);
    });
    if (document.getElementById("first-unread")) return;
    var divider = document.createElement("p");
    divider.id = "first-unread";
    divider.className = "unread-divider";
    divider.textContent = "New since you last read";
    fresh[0].before(divider);
    var named = window.location.hash && document.getElementById(window.location.hash.slice(1));
    if (opening && !named) divider.scrollIntoView({ block: "start" });
  }

  function apply(root, opening) {
    readStates(document);
    if (!viewer) return;
    markUnread(root, opening);

    // The shared page shows each post's helpful count, and carries its id, author and marks.
    // A member gets, in its place, their helpful button, a reply link and the tools they may use.
    root.querySelectorAll("span.helpful-form[data-post]").forEach(function (slot) {
      var id = slot.dataset.post;
      var form = tool("helpful", id);
      if (!form) return;
      form.querySelector(".action-count").replaceWith(slot.querySelector(".action-count").cloneNode(true));
      var allowed = new Set(tools[id] || []);
      var button = form.querySelector("button");
      if (!allowed.has("vote")) button.disabled = true;
      if (helpful.has(Number(id))) {
        button.setAttribute("aria-pressed", "true");
        form.querySelector('input[name="on"]').value = "0";
      }
      var toolbar = document.createElement("span");
      toolbar.className = "post-tools";
      buildTools(slot.dataset, toolbar, allowed);
      var added = [form];
      // The opening post is answered by the composer under the thread, not by a reply link.
      var link = allowed.has("reply") && !("opening" in slot.dataset) ? tool("reply-link", id) : null;
      if (link) added.push(link);
      added.push(toolbar);
      // The "Actions" link leads to a page of these same tools for readers without script; here they are in place.
      var more = slot.parentNode && slot.parentNode.querySelector("a.post-more");
      if (more) more.remove();
      slot.replaceWith.apply(slot, added);
      if (window.htmx) window.htmx.process(form);
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-reply]");
    if (link && document.getElementById("tool-reply")) {
      event.preventDefault();
      openReply(link);
    }
    var cancel = event.target.closest && event.target.closest("[data-cancel-reply]");
    if (cancel) cancel.closest(".reply-form").remove();
  });
  document.addEventListener("DOMContentLoaded", function () { apply(document, true); });
  document.addEventListener("htmx:afterSettle", function (event) {
    // "Load more" replaces its button with the next page; apply to the whole list.
    apply(event.target.closest(".reply-list") || document);
  });
})();

/*
 * Lays the member's "3 new" over a shared, cached list of threads.
 *
 * The list carries each row's thread id; the page embeds <script type="application/json"
 * id="unread-threads"> with, for the threads this member has read before and that have new
 * replies, how many and the first of them. Each badge links to that reply.
 */
(function () {
  "use strict";

  function apply() {
    var node = document.getElementById("unread-threads");
    if (!node) return;
    JSON.parse(node.textContent).forEach(function (entry) {
      var row = document.querySelector('li[data-thread="' + entry.thread + '"]');
      var title = row && row.querySelector(".thread-title a");
      if (!title || row.querySelector(".unread-badge")) return;
      var badge = document.createElement("a");
      badge.className = "badge badge-primary unread-badge";
      badge.href = title.getAttribute("href").split("#")[0] + "#post-" + entry.post;
      badge.textContent = entry.new + " new";
      var spoken = document.createElement("span");
      spoken.className = "visually-hidden";
      spoken.textContent = entry.new === 1 ? " reply" : " replies";
      badge.appendChild(spoken);
      title.after(badge);
    });
  }

  document.addEventListener("DOMContentLoaded", apply);
  // A tab or a page of the list swapped in brings its own counts.
  document.addEventListener("htmx:afterSettle", apply);
})();
