// The writing aids of every formatted text field (templates/_forms.html, macro composer):
// a toolbar that types the Markdown, a "Preview" tab rendered by the server's own text
// pipeline (POST /api/v1/text/preview), and a draft kept in this browser's localStorage
// so that a closed tab loses nothing. A draft goes once the text is sent and the next
// page shows no error; loaded on every signed-in page for that reason.
(function () {
  "use strict";

  // Drafts are per person: on a shared computer one person's text is not offered to the next.
  var PREFIX = "cop-draft:" + document.currentScript.dataset.person + ":";
  var SENT = "cop-drafts-sent";
  var KEEP_DAYS = 14;
  var SAVE_DELAY = 400;

  function readDraft(key) {
    try {
      var draft = JSON.parse(window.localStorage.getItem(PREFIX + key));
      if (draft && typeof draft.text === "string" && Date.now() - draft.saved < KEEP_DAYS * 864e5) {
        return draft.text;
      }
    } catch (ignored) {
      // no storage (private mode, full) or a value that is not ours: no draft
    }
    return null;
  }

  function writeDraft(key, text) {
    try {
      if (text === null) {
        window.localStorage.removeItem(PREFIX + key);
      } else {
        window.localStorage.setItem(PREFIX + key, JSON.stringify({ text: text, saved: Date.now() }));
      }
    } catch (ignored) {
      // the draft is a convenience: the text stays in the field
    }
  }

  // The page after a form with drafts was sent: no error shown means it was saved.
  function settleSent() {
    var sent;
    try {
      sent = JSON.parse(window.sessionStorage.getItem(SENT) || "[]");
      window.sessionStorage.removeItem(SENT);
    } catch (ignored) {
      return;
    }
    var navigation = window.performance.getEntriesByType("navigation")[0];
    var refused = document.querySelector("main[data-error], [aria-invalid=true], .flash-error");
    if (refused || (navigation && navigation.type !== "navigate")) {
      return;
    }
    sent.forEach(function (key) {
      writeDraft(key, null);
    });
  }

  function tidy(text) {
    return text.replace(/\r\n?/g, "\n").trim();
  }

  // Replaces the selection, keeping the browser's undo history where it can.
  function insert(area, start, end, text, selectFrom, selectTo) {
    area.focus();
    area.setSelectionRange(start, end);
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      area.setRangeText(text, start, end, "end");
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }
    area.setSelectionRange(start + selectFrom, start + selectTo);
  }

  function wrap(area, before, after, placeholder) {
    var start = area.selectionStart;
    var end = area.selectionEnd;
    var inner = area.value.slice(start, end) || placeholder;
    insert(area, start, end, before + inner + after, before.length, before.length + inner.length);
  }

  // Puts `prefix` before each line the selection touches (a list, a quote).
  function prefixLines(area, prefix) {
    var value = area.value;
    var start = value.lastIndexOf("\n", area.selectionStart - 1) + 1;
    var last = area.selectionEnd;
    if (last > area.selectionStart && value[last - 1] === "\n") {
      last -= 1;
    }
    var end = value.indexOf("\n", last);
    end = end === -1 ? value.length : end;
    var text = value.slice(start, end).split("\n").map(function (line) {
      return prefix + line;
    }).join("\n");
    insert(area, start, end, text, text.length, text.length);
  }

  function linkTo(area, bang, placeholder) {
    var start = area.selectionStart;
    var end = area.selectionEnd;
    var chosen = area.value.slice(start, end);
    var isUrl = /^https?:\/\/\S+$/.test(chosen);
    var label = isUrl ? placeholder : chosen || placeholder;
    var url = isUrl ? chosen : "https://";
    var text = bang + "[" + label + "](" + url + ")";
    var at = bang.length + label.length + 3;
    if (isUrl) {
      insert(area, start, end, text, bang.length + 1, bang.length + 1 + label.length);
    } else {
      insert(area, start, end, text, at, at + url.length);
    }
  }

  function setUp(box) {
    var data = box.dataset;
    var area = box.querySelector("textarea");
    var bar = box.querySelector(".composer-bar");
    var tabs = Array.prototype.slice.call(box.querySelectorAll("[role=tab]"));
    var write = box.querySelector(".composer-write");
    var preview = box.querySelector(".composer-preview");
    var notice = box.querySelector(".composer-draft");
    var tools = box.querySelectorAll("[data-format]");
    var key = data.draftKey;
    // The stored text an edit starts from; a form shown again with errors holds the text
    // just sent, which stays a draft until it is saved.
    var refused = area.form && area.form.querySelector("[aria-invalid=true], .error");
    var served = area.value;
    var original = refused || document.querySelector(".flash-error") ? "" : served;
    var timer = null;

    var actions = {
      bold: function () { wrap(area, "**", "**", data.tText); },
      list: function () { prefixLines(area, "- "); },
      quote: function () { prefixLines(area, "> "); },
      link: function () { linkTo(area, "", data.tText); },
      image: function () { linkTo(area, "!", data.tDescription); },
    };

    var draft = readDraft(key);
    if (draft !== null && tidy(draft) === tidy(original)) {
      writeDraft(key, null);
    } else if (draft !== null && tidy(draft) !== tidy(area.value)) {
      area.value = draft;
      notice.hidden = false;
    }

    function save() {
      timer = null;
      var text = area.value;
      writeDraft(key, tidy(text) === "" || tidy(text) === tidy(original) ? null : text);
    }

    area.addEventListener("input", function () {
      if (timer !== null) {
        window.clearTimeout(timer);
      }
      timer = window.setTimeout(save, SAVE_DELAY);
    });
    area.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) {
        return;
      }
      var name = { b: "bold", k: "link" }[(event.key || "").toLowerCase()];
      if (name) {
        event.preventDefault();
        actions[name]();
      }
    });
    notice.querySelector("[data-discard]").addEventListener("click", function () {
      area.value = served;
      writeDraft(key, null);
      notice.hidden = true;
      area.focus();
    });
    if (area.form) {
      area.form.addEventListener("submit", function () {
        if (timer !== null) {
          window.clearTimeout(timer);
          save();
        }
        try {
          var sent = JSON.parse(window.sessionStorage.getItem(SENT) || "[]");
          if (sent.indexOf(key) === -1) {
            sent.push(key);
          }
          window.sessionStorage.setItem(SENT, JSON.stringify(sent));
        } catch (ignored) {
          // without session storage the draft stays until the person discards it
        }
      });
    }
    Array.prototype.forEach.call(tools, function (button) {
      button.addEventListener("click", function () {
        actions[button.dataset.format]();
      });
    });

    function show(message, html) {
      preview.removeAttribute("aria-busy");
      if (html === undefined) {
        preview.textContent = "";
        var p = document.createElement("p");
        p.className = "muted";
        p.textContent = message;
        preview.appendChild(p);
      } else {
        preview.innerHTML = html; // sanitized by the server's pipeline, as stored posts are
      }
    }

    function render() {
      if (tidy(area.value) === "") {
        show(data.tEmpty);
        return;
      }
      show(data.tLoading);
      preview.setAttribute("aria-busy", "true");
      var token = area.form && area.form.querySelector("input[name=csrf_token]");
      window.fetch(data.previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
        body: JSON.stringify({ body: area.value }),
      }).then(function (response) {
        return response.json().then(function (answer) {
          if (response.ok) {
            show("", answer.html);
          } else {
            var error = answer.error || {};
            show((error.fields && error.fields.body) || error.message || data.tFailed);
          }
        });
      }).catch(function () {
        show(data.tFailed);
      });
    }

    function select(tab, focus) {
      var previewing = tab === tabs[1];
      tabs.forEach(function (other) {
        var chosen = other === tab;
        other.setAttribute("aria-selected", chosen ? "true" : "false");
        other.tabIndex = chosen ? 0 : -1;
      });
      write.hidden = previewing;
      preview.hidden = !previewing;
      Array.prototype.forEach.call(tools, function (button) {
        button.disabled = previewing;
      });
      if (previewing) {
        render();
      }
      if (focus) {
        tab.focus();
      }
    }

    tabs.forEach(function (tab, index) {
      tab.addEventListener("click", function () {
        select(tab, false);
      });
      tab.addEventListener("keydown", function (event) {
        if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
          event.preventDefault();
          select(tabs[(index + 1) % tabs.length], true);
        }
      });
    });
    bar.hidden = false;
  }

  settleSent();
  Array.prototype.forEach.call(document.querySelectorAll("[data-composer]"), setUp);
})();
