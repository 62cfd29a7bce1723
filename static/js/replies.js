// An open discussion page hears about new replies over the /live socket and offers a
// banner "N new replies" that leads to the first of them. The server sends each reply
// only to those who may read it, and takes back one a moderator hides (`reply_hidden`);
// the page itself is reloaded to show them.
(function () {
  "use strict";

  var banner = document.getElementById("new-replies");
  if (!banner || typeof window.io !== "function") {
    return;
  }
  var data = banner.dataset;
  var me = Number(data.me);
  var discussionId = Number(data.discussionId);
  var link = banner.querySelector("a");
  var arrived = [];

  function show() {
    banner.hidden = arrived.length === 0;
    if (arrived.length) {
      link.textContent = data.text.replace("{n}", String(arrived.length));
      link.href = data.postUrl.replace("%d", String(arrived[0]));
    }
  }

  var socket = window.io("/live", { transports: ["websocket", "polling"], tryAllTransports: true });
  socket.on("connect", function () {
    socket.emit("watch", { discussion_id: discussionId }, function (ack) {
      banner.dataset.watching = ack && ack.ok ? "yes" : "no";
    });
  });
  socket.on("reply", function (reply) {
    if (reply.discussion_id !== discussionId || reply.author_id === me) {
      return;
    }
    if (arrived.indexOf(reply.post_id) !== -1 || document.getElementById("post-" + reply.post_id)) {
      return;
    }
    arrived.push(reply.post_id);
    show();
  });
  socket.on("reply_hidden", function (reply) {
    var at = arrived.indexOf(reply.post_id);
    if (reply.discussion_id === discussionId && at !== -1) {
      arrived.splice(at, 1);
      show();
    }
  });
  socket.on("error", function (error) {
    if (error.code === "signed_out") {
      socket.disconnect();
    } else if (error.code === "revoked" && error.discussion_id === discussionId) {
      banner.dataset.watching = "no"; // no longer readable: the server sends nothing more
    }
  });
})();
