// The live session page and its presenter view: a small client of the /live Socket.IO
// namespace (docs/live-protocol.md). The server is the truth: the list is rebuilt from
// `state` on every (re)join, with the changes received meanwhile that are newer than the
// snapshot applied again, and kept up to date by `batch` events (joined with
// `batch: true`), each carrying `question`, `votes`, `voted`, `session` and `presence` changes.
(function () {
  "use strict";

  var root = document.getElementById("live");
  if (!root || typeof window.io !== "function") {
    return;
  }
  var t = root.dataset;
  var sessionId = Number(t.sessionId);
  var presenter = t.mode === "present";
  var list = document.getElementById("live-questions");
  var empty = document.getElementById("live-empty");
  var connection = document.getElementById("live-connection");
  var errorBox = document.getElementById("live-error");
  var presence = document.getElementById("live-presence");
  var highlight = document.getElementById("live-highlight");
  var highlightText = document.getElementById("live-highlight-text");
  var highlightMeta = document.getElementById("live-highlight-meta");
  var askForm = document.getElementById("live-ask");
  var startButton = document.getElementById("live-start");
  var endButton = document.getElementById("live-end");
  var stateTag = document.getElementById("live-state");
  var archive = document.getElementById("live-archive");

  var questions = new Map(); // id -> question
  // Changes received while joining: the `state` snapshot may have been read before some of
  // them committed, so those newer than it (by `seq`) are applied again on top of it.
  var joining = null;
  var snapshotSeq = 0;
  var gone = new Map(); // id -> seq of the change that took a question off the list
  var myVotes = new Set();
  var me = { id: null, moderates: false, hosts: false };
  var session = { status: "scheduled", highlighted_id: null };

  var socket = window.io("/live", { transports: ["websocket", "polling"], tryAllTransports: true });

  function say(text) {
    connection.textContent = text;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    window.clearTimeout(showError.timer);
    showError.timer = window.setTimeout(function () {
      errorBox.hidden = true;
    }, 6000);
  }

  function order(a, b) {
    return b.votes - a.votes || (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0) || a.id - b.id;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function button(text, onClick, className) {
    var node = element("button", className || "secondary", text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function send(event, data, done) {
    socket.emit(event, data, function (ack) {
      if (ack && ack.ok && done) {
        done(ack);
      }
    });
  }

  // An ask or a vote the server could not take (a 503: `retry_after` in the answer, nothing
  // written) or did not answer within ACK_WAIT is sent again, the same (an ask with the
  // same key: never asked twice), up to TRIES times; `failed` after the last.
  var ACK_WAIT = 10000;
  var TRIES = 5;

  function sendSurely(event, data, done, failed) {
    var tries = 0;
    function attempt() {
      tries += 1;
      socket.timeout(ACK_WAIT).emit(event, data, function (error, ack) {
        if (!error && ack && ack.ok) {
          done(ack);
        } else if ((error || (ack && ack.retry_after)) && tries < TRIES) {
          setTimeout(attempt, error ? 1000 : ack.retry_after * 1000);
        } else if (failed) {
          failed();
        }
      });
    }
    attempt();
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  function voteControl(q) {
    var voted = myVotes.has(q.id);
    var node = element("button", "live-vote" + (voted ? " live-voted" : ""));
    node.type = "button";
    node.setAttribute("aria-pressed", voted ? "true" : "false");
    node.title = voted ? t.tUnvote : t.tVote;
    node.appendChild(element("span", "live-arrow", "▲"));
    node.appendChild(element("span", "live-count", String(q.votes)));
    node.setAttribute("aria-label", (voted ? t.tUnvote : t.tVote) + " (" + t.tVotes + ": " + q.votes + ")");
    node.disabled = q.status !== "visible" || session.status === "ended" || !me.id;
    node.addEventListener("click", function () {
      sendSurely(myVotes.has(q.id) ? "unvote" : "vote", { question_id: q.id }, function (ack) {
        if (ack.voted) {
          myVotes.add(q.id);
        } else {
          myVotes.delete(q.id);
        }
        render();
      });
    });
    return node;
  }

  function staffControls(q) {
    var box = element("div", "live-staff");
    if (me.moderates && q.status !== "visible") {
      box.appendChild(button(t.tApprove, function () {
        send("moderate", { question_id: q.id, action: "approve" });
      }));
    }
    if (me.moderates && q.status !== "hidden") {
      box.appendChild(button(t.tHide, function () {
        send("moderate", { question_id: q.id, action: "hide" });
      }));
    }
    if (me.hosts && q.status === "visible" && session.status !== "ended") {
      var on = session.highlighted_id === q.id;
      box.appendChild(button(on ? t.tUnhighlight : t.tHighlight, function () {
        send("highlight", on ? { session_id: sessionId, question_id: null } : { question_id: q.id });
      }));
    }
    if (me.hosts) {
      var form = element("form", "live-answer-form");
      var id = "live-answer-" + q.id;
      var label = element("label", "", t.tAnswerLabel);
      label.htmlFor = id;
      var input = element("input");
      input.type = "text";
      input.id = id;
      input.maxLength = 2000;
      input.value = q.answer || "";
      form.appendChild(label);
      form.appendChild(input);
      form.appendChild(element("button", "secondary", t.tAnswer));
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        send("answer", { question_id: q.id, text: input.value });
      });
      box.appendChild(form);
    }
    return box;
  }

  function item(q) {
    var li = element("li", "live-q");
    li.dataset.id = q.id;
    if (q.status !== "visible") {
      li.classList.add("live-q-" + q.status);
    }
    if (session.highlighted_id === q.id) {
      li.classList.add("live-q-highlighted");
    }
    if (presenter) {
      li.appendChild(element("span", "live-count", String(q.votes)));
    } else {
      li.appendChild(voteControl(q));
    }
    var body = element("div", "live-body");
    body.appendChild(element("p", "live-text", q.text));
    var meta = element("p", "live-meta muted");
    meta.appendChild(element("span", "live-author", q.author ? q.author.name : t.tAnonymous));
    if (q.anonymous && q.author) {
      meta.appendChild(document.createTextNode(" (" + t.tAnonymous + ")"));
    }
    if (q.status === "pending") {
      meta.appendChild(element("span", "tag", t.tPending));
    } else if (q.status === "hidden") {
      meta.appendChild(element("span", "tag", t.tHidden));
    }
    if (session.highlighted_id === q.id) {
      meta.appendChild(element("span", "tag live-tag-now", t.tHighlighted));
    }
    body.appendChild(meta);
    if (q.answer) {
      var answer = element("p", "live-answer");
      answer.appendChild(element("strong", "", t.tAnswerPrefix + " "));
      answer.appendChild(document.createTextNode(q.answer));
      body.appendChild(answer);
    }
    if (!presenter && (me.moderates || me.hosts)) {
      body.appendChild(staffControls(q));
    }
    li.appendChild(body);
    return li;
  }

  function render() {
    var shown = Array.from(questions.values()).sort(order);
    if (presenter) {
      shown = shown.filter(function (q) { return q.status === "visible"; }).slice(0, 5);
    }
    // Keep an answer being typed instead of rebuilding it; buttons are rebuilt, since what
    // they did (an approval, a vote) changes the question, and focus follows below.
    var active = list.contains(document.activeElement) ? document.activeElement : null;
    var focused = active ? active.closest("li") : null;
    var keep = active && active.tagName === "INPUT" ? Number(focused.dataset.id) : null;
    var nodes = shown.map(function (q) {
      if (q.id === keep) {
        return focused;
      }
      return item(q);
    });
    list.replaceChildren.apply(list, nodes);
    empty.hidden = shown.length > 0;
    if (active && keep === null) {
      refocus(Number(focused.dataset.id), active);
    }
    renderHighlight();
  }

  // Focus the same button on the rebuilt question; if it is gone (the question was approved
  // or hidden), the next question waiting for approval, else the list itself.
  function refocus(id, was) {
    var same = list.querySelector('li[data-id="' + id + '"]');
    var buttons = same ? Array.from(same.querySelectorAll("button")) : [];
    var target = buttons.find(function (b) {
      return was.classList.contains("live-vote") ? b.classList.contains("live-vote") : b.textContent === was.textContent;
    }) || list.querySelector(".live-q-pending .live-staff button") || list;
    target.focus();
  }

  function renderHighlight() {
    var q = session.highlighted_id ? questions.get(session.highlighted_id) : null;
    if (presenter) {
      highlightText.textContent = q ? q.text : t.tNoneHighlighted;
      highlightMeta.textContent = q ? (q.author ? q.author.name : t.tAnonymous) + " · " + t.tVotes + ": " + q.votes : "";
      return;
    }
    highlight.hidden = !q;
    highlightText.textContent = q ? q.text : "";
  }

  function renderSession() {
    var labels = { scheduled: t.tScheduled, live: t.tLive, ended: t.tStatusEnded };
    if (stateTag) {
      stateTag.replaceChildren(element("span", "tag live-state live-state-" + session.status, labels[session.status]));
    }
    if (startButton) {
      startButton.hidden = session.status !== "scheduled";
    }
    if (endButton) {
      endButton.hidden = session.status === "ended";
    }
    if (askForm) {
      askForm.hidden = session.status === "ended";
    }
    if (archive && session.archive_id) {
      archive.querySelector("a").href = t.archiveUrl.replace("%d", session.archive_id);
      archive.hidden = false;
    }
  }

  socket.on("connect", function () {
    say(t.tConnecting);
    // batch: changes come as `batch` events, several at once when many arrive together
    joining = [];
    socket.emit("join", { session_id: sessionId, batch: true, view: presenter ? "present" : "full" });
  });

  socket.on("state", function (state) {
    me = state.me;
    session = state.session;
    snapshotSeq = state.seq;
    gone = new Map();
    questions = new Map(state.questions.map(function (q) { return [q.id, q]; }));
    myVotes = new Set(state.my_votes);
    presence.textContent = String(state.presence);
    (joining || []).forEach(function (item) {
      apply[item[0]](item[1]);
    });
    joining = null;
    say(t.tConnected);
    renderSession();
    render();
  });

  // What each change does to the page's state; `batch` applies several, then renders once.
  var apply = {
    question: function (q) {
      if (q.session_id !== sessionId) {
        return;
      }
      var known = questions.get(q.id);
      var held = known ? known.seq : Math.max(snapshotSeq, gone.get(q.id) || 0);
      if (q.seq <= held) { // no newer than what we hold (changes may cross on the way)
        return;
      }
      if (q.text === undefined) { // hidden from participants: only its id and status
        questions.delete(q.id);
        gone.set(q.id, q.seq);
        return;
      }
      if (known && known.votes_seq > q.votes_seq) { // a newer count came meanwhile
        q = Object.assign({}, q, { votes: known.votes, votes_seq: known.votes_seq });
      }
      if (known && known.author && !q.author) { // a participant's copy of an anonymous question
        q = Object.assign({}, q, { author: known.author });
      }
      questions.set(q.id, q);
    },
    votes: function (data) {
      if (data.session_id !== sessionId) {
        return;
      }
      Object.keys(data.votes).forEach(function (id) {
        var q = questions.get(Number(id));
        var seq = data.votes_seq[id];
        if (q && seq > q.votes_seq) { // counts from several server processes may cross
          q.votes = data.votes[id];
          q.votes_seq = seq;
        }
      });
    },
    voted: function (data) {
      if (data.voted) {
        myVotes.add(data.question_id);
      } else {
        myVotes.delete(data.question_id);
      }
    },
    session: function (data) {
      if (data.id === sessionId && data.seq > session.seq) {
        session = data;
      }
    },
    presence: function (data) {
      if (data.session_id === sessionId) {
        presence.textContent = String(data.count);
      }
    }
  };

  socket.on("batch", function (events) {
    events.forEach(function (item) {
      if (apply[item[0]]) {
        apply[item[0]](item[1]);
        if (joining && (item[0] === "question" || item[0] === "session")) {
          joining.push(item);
        }
      }
    });
    renderSession();
    render();
  });

  socket.on("error", function (data) {
    showError(data.message);
    if (data.code === "signed_out") {
      socket.disconnect();
    }
  });

  socket.on("connect_error", function (error) {
    say(error && error.data && error.data.message ? error.data.message : t.tOffline);
  });

  socket.on("disconnect", function () {
    say(t.tOffline);
  });

  if (askForm) {
    askForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = askForm.elements.text;
      var anonymous = askForm.elements.anonymous;
      var submit = askForm.querySelector("[type=submit]");
      if (submit) {
        submit.disabled = true;
      }
      say(t.tSending);
      sendSurely("ask", {
        session_id: sessionId,
        text: text.value,
        anonymous: anonymous ? anonymous.checked : false,
        key: newKey()
      }, function () {
        text.value = "";
        if (submit) {
          submit.disabled = false;
        }
        say(session.moderated && !me.moderates ? t.tAskedPending : t.tAsked);
      }, function () {
        if (submit) {
          submit.disabled = false;
        }
        say(t.tNotSent);
      });
    });
  }
  if (startButton) {
    startButton.addEventListener("click", function () {
      send("start", { session_id: sessionId });
    });
  }
  if (endButton) {
    endButton.addEventListener("click", function () {
      send("end", { session_id: sessionId });
    });
  }
})();
