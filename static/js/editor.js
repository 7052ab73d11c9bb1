// The Markdown editor and a few small page enhancements. Everything works without it:
// textareas stay plain textareas, forms post normally, times stay server-rendered.
//
// For every textarea[data-editor="markdown"], including ones inside <details> and ones
// htmx adds later, it adds:
//   - Write / Preview tabs; Preview posts the text to the preview URL and shows the
//     sanitised partial the server returns;
//   - @mention suggestions as an ARIA listbox under the caret;
//   - "Add image", paste and drop: uploads the image and inserts its Markdown.
// The URLs come from data attributes on <body>, so nothing here is inline (the CSP
// allows scripts from our origin only). User data is only ever set with textContent.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  var body = document.body;
  var urls = {
    preview: body.dataset.previewUrl,
    mentions: body.dataset.mentionsUrl,
    upload: body.dataset.uploadUrl,
  };
  var MENTION = /(^|[^A-Za-z0-9_@.])@([A-Za-z0-9_-]{1,30})$/;
  var uid = 0;

  function nextId(prefix) {
    uid += 1;
    return prefix + "-" + uid;
  }

  function csrfToken(textarea) {
    var form = textarea && textarea.form;
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    try {
      return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function post(url, textarea, data) {
    data.append("csrfmiddlewaretoken", csrfToken(textarea));
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(textarea), "X-Requested-With": "XMLHttpRequest" },
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function insertAtCaret(textarea, text, start, end) {
    if (start === undefined) start = textarea.selectionStart;
    if (end === undefined) end = textarea.selectionEnd;
    textarea.setRangeText(text, start, end, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // Where the caret is inside the textarea, in pixels, measured with an off-screen copy.
  var MIRRORED = [
    "boxSizing", "width", "borderTopWidth", "borderRightWidth", "borderBottomWidth", "borderLeftWidth",
    "paddingTop", "paddingRight", "paddingBottom", "paddingLeft", "fontStyle", "fontVariant", "fontWeight",
    "fontSize", "lineHeight", "fontFamily", "letterSpacing", "wordSpacing", "tabSize", "textIndent",
  ];

  function caretPosition(textarea, index) {
    var style = getComputedStyle(textarea);
    var mirror = document.createElement("div");
    MIRRORED.forEach(function (name) {
      mirror.style[name] = style[name];
    });
    mirror.style.position = "absolute";
    mirror.style.visibility = "hidden";
    mirror.style.top = "0";
    mirror.style.left = "-9999px";
    mirror.style.whiteSpace = "pre-wrap";
    mirror.style.overflowWrap = "break-word";
    mirror.textContent = textarea.value.slice(0, index);
    var marker = document.createElement("span");
    marker.textContent = "\u200b";
    mirror.appendChild(marker);
    document.body.appendChild(mirror);
    var lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.4;
    var position = {
      top: marker.offsetTop - textarea.scrollTop + lineHeight,
      left: marker.offsetLeft,
    };
    mirror.remove();
    return position;
  }

  function enhance(textarea) {
    if (textarea.dataset.editorReady) return;
    textarea.dataset.editorReady = "1";
    if (!textarea.id) textarea.id = nextId("editor-text");

    var wrapper = el("div", { class: "editor" });
    var toolbar = el("div", { class: "editor-toolbar" });
    var tabs = el("div", { class: "editor-tabs", role: "tablist", "aria-label": "Editor mode" });
    var previewId = nextId("editor-preview");
    var writeTab = el("button", {
      type: "button", class: "editor-tab", role: "tab", "aria-selected": "true", "aria-controls": textarea.id,
    }, "Write");
    var previewTab = el("button", {
      type: "button", class: "editor-tab", role: "tab", "aria-selected": "false", "aria-controls": previewId,
      tabindex: "-1",
    }, "Preview");
    tabs.append(writeTab, previewTab);
    toolbar.appendChild(tabs);

    var preview = el("div", {
      class: "editor-preview prose", id: previewId, role: "tabpanel", tabindex: "0", "aria-label": "Preview",
    });
    preview.hidden = true;
    var status = el("p", { class: "editor-status", role: "status", "aria-live": "polite" });

    var imageButton = null;
    var fileInput = null;
    if (urls.upload) {
      fileInput = el("input", { type: "file", accept: "image/*", multiple: "", tabindex: "-1", "aria-hidden": "true" });
      fileInput.hidden = true;
      imageButton = el("button", { type: "button", class: "editor-tool" });
      imageButton.innerHTML =
        '<svg aria-hidden="true" focusable="false" viewBox="0 0 16 16" width="14" height="14"><rect x="2" y="3" width="12" height="10" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.4"/><circle cx="6" cy="6.5" r="1.2" fill="currentColor"/><path d="m2.5 12 3.5-3.5 2.5 2.5 2-2 3 3" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linejoin="round"/></svg>';
      imageButton.appendChild(document.createTextNode("Add image"));
      toolbar.append(imageButton, fileInput);
    }

    textarea.parentNode.insertBefore(wrapper, textarea);
    wrapper.append(toolbar, textarea, preview, status);

    // Write / Preview --------------------------------------------------------
    var previewRequest = 0;

    function select(showPreview) {
      writeTab.setAttribute("aria-selected", String(!showPreview));
      previewTab.setAttribute("aria-selected", String(showPreview));
      writeTab.tabIndex = showPreview ? -1 : 0;
      previewTab.tabIndex = showPreview ? 0 : -1;
      textarea.hidden = showPreview;
      preview.hidden = !showPreview;
      if (!showPreview) return;
      closeMentions();
      var request = ++previewRequest;
      preview.textContent = "Loading preview…";
      if (!urls.preview) return;
      var data = new FormData();
      data.append("body", textarea.value);
      post(urls.preview, textarea, data)
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          // Our own partial, rendered by the sanitiser on the server.
          if (request === previewRequest) preview.innerHTML = html;
        })
        .catch(function () {
          if (request === previewRequest) preview.textContent = "The preview could not be loaded. Your text is safe; try again.";
        });
    }

    writeTab.addEventListener("click", function () {
      select(false);
      textarea.focus();
    });
    previewTab.addEventListener("click", function () {
      select(true);
    });
    tabs.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight" && event.key !== "Home" && event.key !== "End") return;
      event.preventDefault();
      var toPreview = event.key === "ArrowRight" || event.key === "End";
      select(toPreview);
      (toPreview ? previewTab : writeTab).focus();
    });
    // A hidden required textarea can't show its error, so go back to writing first.
    textarea.addEventListener("invalid", function () {
      if (textarea.hidden) select(false);
    });

    // @mentions ---------------------------------------------------------------
    var listId = nextId("mention-list");
    var list = el("ul", { class: "mention-list", id: listId, role: "listbox", "aria-label": "Members to mention" });
    list.hidden = true;
    wrapper.appendChild(list);
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-haspopup", "listbox");
    textarea.setAttribute("aria-controls", listId);
    // No aria-expanded: a textarea's textbox role does not allow it. The status line announces the list.

    var mentionTimer = null;
    var mentionQuery = null;
    var mentionStart = 0;
    var active = -1;
    var members = [];

    function closeMentions() {
      list.hidden = true;
      list.textContent = "";
      members = [];
      active = -1;
      mentionQuery = null;
      textarea.removeAttribute("aria-activedescendant");
    }

    function setActive(index) {
      var options = list.children;
      if (!options.length) return;
      active = (index + options.length) % options.length;
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", String(i === active));
      }
      textarea.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var member = members[index];
      if (!member) return;
      var end = textarea.selectionStart;
      closeMentions();
      status.textContent = "";
      insertAtCaret(textarea, "@" + member.username + " ", mentionStart, end);
      textarea.focus();
    }

    function showMembers(found) {
      list.textContent = "";
      members = found;
      if (!found.length) {
        closeMentions();
        return;
      }
      found.forEach(function (member, index) {
        var option = el("li", { class: "mention-option", role: "option", id: listId + "-" + index, "aria-selected": "false" });
        option.appendChild(el("span", { class: "mention-username" }, "@" + member.username));
        if (member.display_name) option.appendChild(el("span", { class: "mention-name" }, member.display_name));
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep focus (and the caret) in the textarea
        });
        option.addEventListener("click", function () {
          choose(index);
        });
        list.appendChild(option);
      });
      var caret = caretPosition(textarea, mentionStart);
      var top = textarea.offsetTop + Math.min(caret.top, textarea.clientHeight) + 4;
      var maxLeft = Math.max(0, wrapper.clientWidth - 240);
      list.style.top = top + "px";
      list.style.left = Math.min(textarea.offsetLeft + caret.left, maxLeft) + "px";
      list.hidden = false;
      setActive(0);
      status.classList.remove("is-error");
      status.textContent = found.length + (found.length === 1 ? " member" : " members") + " found. Use the arrow keys and Enter to choose.";
    }

    function lookForMention() {
      if (!urls.mentions || textarea.selectionStart !== textarea.selectionEnd) {
        closeMentions();
        return;
      }
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = MENTION.exec(before);
      if (!match) {
        closeMentions();
        return;
      }
      var query = match[2];
      mentionStart = textarea.selectionStart - query.length - 1;
      if (query === mentionQuery) return;
      mentionQuery = query;
      clearTimeout(mentionTimer);
      mentionTimer = setTimeout(function () {
        fetch(urls.mentions + "?q=" + encodeURIComponent(query), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) {
            return response.ok ? response.json() : { members: [] };
          })
          .then(function (data) {
            if (query === mentionQuery && !textarea.hidden) showMembers(data.members || []);
          })
          .catch(closeMentions);
      }, 200);
    }

    textarea.addEventListener("input", lookForMention);
    textarea.addEventListener("click", lookForMention);
    textarea.addEventListener("keyup", function (event) {
      if (event.key === "ArrowLeft" || event.key === "ArrowRight" || event.key === "Home" || event.key === "End") {
        lookForMention();
      }
    });
    textarea.addEventListener("blur", function () {
      setTimeout(closeMentions, 150);
    });
    textarea.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        setActive(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0 && !event.shiftKey) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        closeMentions();
      }
    });

    // Images ------------------------------------------------------------------
    function showError(message) {
      status.classList.add("is-error");
      status.textContent = message;
    }

    function upload(file) {
      if (!urls.upload) return;
      if (!/^image\//.test(file.type)) {
        showError("Only images can be added here.");
        return;
      }
      var placeholder = "![Uploading " + (file.name || "image").replace(/[\[\]\n]/g, "") + "…]()";
      var start = textarea.selectionStart;
      // An image goes on its own line, so several in a row don't run together.
      var before = textarea.value.slice(0, start);
      var after = textarea.value.slice(textarea.selectionEnd);
      var lead = before && !/\n$/.test(before) ? "\n" : "";
      var trail = after && !/^\n/.test(after) ? "\n" : "";
      var tail = trail || (after ? "" : "\n");
      var inserted = lead + placeholder + tail;
      insertAtCaret(textarea, inserted);
      status.classList.remove("is-error");
      status.textContent = "Uploading image…";
      // The text may have changed during the upload; find the placeholder again.
      function replacePlaceholder(text) {
        var at = textarea.value.indexOf(inserted, Math.max(0, start - 1));
        if (at === -1) at = textarea.value.indexOf(inserted);
        if (at !== -1) {
          insertAtCaret(textarea, text, at, at + inserted.length);
          return;
        }
        at = textarea.value.indexOf(placeholder);
        if (at !== -1) insertAtCaret(textarea, text.trim(), at, at + placeholder.length);
      }

      var data = new FormData();
      data.append("image", file);
      post(urls.upload, textarea, data)
        .then(function (response) {
          return response
            .json()
            .catch(function () {
              return {};
            })
            .then(function (json) {
              return { ok: response.ok, status: response.status, json: json };
            });
        })
        .then(function (result) {
          var markdown = result.ok && result.json.markdown ? result.json.markdown : "";
          replacePlaceholder(markdown ? lead + markdown + tail : "");
          if (markdown) {
            status.classList.remove("is-error");
            status.textContent = "Image added.";
            return;
          }
          var errors = (result.json.errors && result.json.errors.image) || [];
          var messages = errors.map(function (error) {
            return error.message;
          });
          showError(messages.join(" ") || "The image could not be uploaded (error " + result.status + ").");
        })
        .catch(function () {
          replacePlaceholder("");
          showError("The image could not be uploaded. Check your connection and try again.");
        });
    }

    function imagesIn(fileList) {
      return Array.prototype.filter.call(fileList || [], function (file) {
        return /^image\//.test(file.type);
      });
    }

    if (imageButton) {
      imageButton.addEventListener("click", function () {
        fileInput.click();
      });
      fileInput.addEventListener("change", function () {
        if (textarea.hidden) select(false);
        Array.prototype.forEach.call(fileInput.files, upload);
        fileInput.value = "";
        textarea.focus();
      });
      textarea.addEventListener("paste", function (event) {
        var files = imagesIn(event.clipboardData && event.clipboardData.files);
        if (!files.length) return;
        event.preventDefault();
        files.forEach(upload);
      });
      textarea.addEventListener("dragover", function (event) {
        if (!event.dataTransfer || Array.prototype.indexOf.call(event.dataTransfer.types, "Files") === -1) return;
        event.preventDefault();
        wrapper.classList.add("is-dragover");
      });
      textarea.addEventListener("dragleave", function () {
        wrapper.classList.remove("is-dragover");
      });
      textarea.addEventListener("drop", function (event) {
        wrapper.classList.remove("is-dragover");
        var files = imagesIn(event.dataTransfer && event.dataTransfer.files);
        if (!files.length) return;
        event.preventDefault();
        files.forEach(upload);
      });
    }
  }

  function init(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches('textarea[data-editor="markdown"]')) enhance(root);
    root.querySelectorAll('textarea[data-editor="markdown"]').forEach(enhance);
  }

  // One announcer for results of background actions (e.g. a refused helpful vote).
  var announcer = el("div", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  body.appendChild(announcer);

  document.addEventListener("htmx:load", function (event) {
    init(event.target);
  });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    // Refusals come back as one short sentence; anything else gets a generic message.
    var text = xhr && xhr.status < 500 && xhr.responseText.length < 300 && xhr.responseText.indexOf("<") === -1
      ? xhr.responseText
      : "";
    announcer.textContent = text || "That didn’t work. Please try again.";
  });

  // Forms that ask first (e.g. removing a post): <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  init(document);
})();
