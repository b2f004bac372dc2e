// Live updates of the summary and question thread. While the chat engine
// writes a summary or an answer, the server's "progress" events carry a
// thread token that changes when a job starts or ends. The page then
// fetches itself and swaps in the new thread section, and keeps a question
// the user is typing.
window.addEventListener("load", function () {
  setTimeout(startThreadLive, 0);
});

function startThreadLive() {
  var section = document.querySelector("section.thread[data-live]");
  if (!section || !window.EventSource || !window.fetch) {
    return;
  }
  var known = section.dataset.thread;
  var source = new EventSource(section.dataset.live);

  function status(text) {
    var el = document.getElementById("trad-status");
    if (el) {
      el.textContent = text;
    }
  }

  function refresh() {
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("section.thread");
        if (!fresh) {
          return;
        }
        var typing = document.getElementById("fraga-text");
        var typed = typing ? typing.value : "";
        var focused = typing && document.activeElement === typing;
        section.innerHTML = fresh.innerHTML;
        var box = document.getElementById("fraga-text");
        if (box && typed) {
          box.value = typed;
        }
        if (box && focused) {
          box.focus();
        }
        status("Sammanfattningen och svaren har uppdaterats.");
        if (!fresh.dataset.live) {
          source.close();
        }
      })
      .catch(function () {
        status("Det finns något nytt i tråden, men det kunde inte hämtas. Ladda om sidan.");
      });
  }

  source.addEventListener("progress", function (event) {
    var p = JSON.parse(event.data);
    if (p.thread !== known) {
      known = p.thread;
      refresh();
    }
    if (p.done) {
      source.close();
    }
  });
}
