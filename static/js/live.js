/*
 * Live updates over one WebSocket: the bell's unread count on every page, a
 * moderator's review-queue count, and on a thread page the replies posted since
 * it was rendered.
 *
 * The socket carries ids and counts only. New replies are fetched over HTTP
 * from the thread's "since" address, which decides what this reader may see and
 * renders them with the page's own template, with this member's tools for them
 * (laid on by viewer.js, as after "Load more"). Pushes are at-most-once, so after
 * a reconnect the page asks for everything newer than the newest reply it shows.
 * Only members have a bell, and only members get a socket; the shared page is
 * the same for everyone.
 */
(function () {
  "use strict";

  var UNAUTHENTICATED = 4401;
  var FORBIDDEN = 4403;
  var MAX_DELAY = 30000;

  function start() {
    var bell = document.querySelector(".user-nav a.bell");
    if (!bell || !window.WebSocket) return;
    var list = document.querySelector(".reply-list[data-live-thread]");
    var since = list ? list.dataset.since : "";
    var fetching = false;
    var fetchAgain = false;
    var status = null;

    function setBell(count, shown) {
      var badge = bell.querySelector(".bell-count");
      if (count > 0) {
        if (!badge) {
          badge = document.createElement("span");
          badge.className = "bell-count";
          badge.setAttribute("aria-hidden", "true");
          bell.appendChild(badge);
        }
        badge.textContent = shown;
      } else if (badge) {
        badge.remove();
      }
      var label = bell.querySelector(".visually-hidden");
      if (label) label.textContent = "Notifications" + (count > 0 ? ", " + shown + " unread" : "");
    }

    // The header knows each category's open items; a push replaces one category's, and the total is their sum.
    function setQueue(category, count) {
      var queue = document.querySelector(".user-nav a.queue-link");
      if (!queue) return;
      var counts = JSON.parse(queue.dataset.queueCounts || "{}");
      counts[String(category)] = count;
      queue.dataset.queueCounts = JSON.stringify(counts);
      var total = Object.keys(counts).reduce(function (sum, key) { return sum + counts[key]; }, 0);
      queue.querySelector(".queue-count").textContent = String(total);
    }

    function announce(text) {
      if (!status) {
        status = document.createElement("p");
        status.className = "visually-hidden";
        status.setAttribute("role", "status");
        list.parentNode.insertBefore(status, list);
      }
      status.textContent = text;
    }

    function newest(time) {
      if (time && (!since || Date.parse(time) > Date.parse(since))) since = time;
    }

    function insert(html) {
      // A <template> parses without running anything; the state JSON is data, not script.
      var parsed = document.createElement("template");
      parsed.innerHTML = html;
      var before = list.querySelector(":scope > .load-more") || null;
      var added = 0;
      Array.prototype.slice.call(parsed.content.children).forEach(function (node) {
        if (node.id && document.getElementById(node.id)) return;
        if (node.matches("article.post")) {
          var time = node.querySelector(".post-time time[datetime]");
          newest(time && time.getAttribute("datetime"));
          added += 1;
        } else if (!node.matches('script[type="application/json"]')) {
          return;
        }
        list.insertBefore(node, before);
        node.dispatchEvent(new CustomEvent("htmx:load", { bubbles: true }));
      });
      if (!added) return;
      var empty = list.querySelector(".empty-replies");
      if (empty) empty.remove();
      // viewer.js lays this member's tools over the new posts, as it does after "Load more".
      list.dispatchEvent(new CustomEvent("htmx:afterSettle", { bubbles: true }));
      announce(added === 1 ? "1 new reply" : added + " new replies");
    }

    function catchUp() {
      if (!list) return;
      if (fetching) {
        fetchAgain = true;
        return;
      }
      fetching = true;
      var url = list.dataset.sinceUrl + "?since=" + encodeURIComponent(since);
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.status === 200 ? response.text() : ""; })
        .then(function (html) { if (html) insert(html); })
        .catch(function () { /* the next push or reconnect asks again */ })
        .then(function () {
          fetching = false;
          if (fetchAgain) {
            fetchAgain = false;
            catchUp();
          }
        });
    }

    var delay = 1000;
    var everOpened = false;
    var failures = 0;

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var query = list ? "?thread=" + encodeURIComponent(list.dataset.liveThread) : "";
      var socket = new WebSocket(scheme + window.location.host + "/ws/live/" + query);
      var opened = false;
      socket.addEventListener("open", function () {
        opened = true;
        failures = 0;
        document.body.dataset.live = "connected";
        delay = 1000;
        // What was pushed while the socket was down is lost: ask for it.
        if (everOpened) catchUp();
        everOpened = true;
      });
      socket.addEventListener("message", function (event) {
        var data = JSON.parse(event.data);
        if (data.type === "unread") setBell(data.count, data.shown);
        else if (data.type === "queue") setQueue(data.category, data.count);
        else if (data.type === "reply" && list && String(data.thread) === list.dataset.liveThread) catchUp();
      });
      socket.addEventListener("close", function (event) {
        delete document.body.dataset.live;
        if (event.code === UNAUTHENTICATED || event.code === FORBIDDEN) return;
        // A refused handshake looks like a dropped connection: stop after a few in a row.
        if (!opened && (failures += 1) >= 3) return;
        window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, MAX_DELAY);
      });
    }

    connect();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
