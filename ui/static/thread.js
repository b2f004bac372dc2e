// Live updates of the page's right-hand part: the journal actions and the
// summary and question thread. The page's event stream (live.js) carries
// the recording's state, which decides the actions. It also carries a
// thread key that changes when the chat engine starts or finishes writing,
// when a message is stored, and when the recording is ready for its
// automatic summary. On a change the page fetches itself and swaps in the
// new part, and keeps a question the user is typing.
(function () {
  var side = document.getElementById("trad");
  if (!side || !window.fetch) {
    return;
  }
  var known = side.dataset.threadKey || "";
  var shownState = document.getElementById("lage");
  var knownState = shownState ? shownState.textContent : "";
  var fetching = false;
  var again = false;

  function status(text) {
    var el = document.getElementById("trad-status");
    if (el) {
      el.textContent = text;
    }
  }

  function refresh() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var freshSide = page.getElementById("trad");
        var fresh = page.querySelector("section.thread");
        if (!freshSide || !fresh) {
          return;
        }
        if (freshSide.dataset.threadKey) {
          known = freshSide.dataset.threadKey;
        }
        var typing = document.getElementById("fraga-text");
        var typed = typing ? typing.value : "";
        var focused = typing && document.activeElement === typing;
        side.innerHTML = freshSide.innerHTML;
        var box = document.getElementById("fraga-text");
        if (box && typed) {
          box.value = typed;
        }
        if (box && focused) {
          box.focus();
        }
        status("Sammanfattningen och svaren har uppdaterats.");
        // The stream ends once the recording is done, so a summary that the
        // chat engine started writing on this fetch needs it again.
        if (fresh.dataset.live && typeof openLive === "function") {
          openLive();
        }
      })
      .catch(function () {
        status("Det finns något nytt i tråden, men det kunde inte hämtas. Ladda om sidan.");
      })
      .then(function () {
        fetching = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  document.addEventListener("live-progress", function (event) {
    var key = event.detail.thread_key;
    var state = event.detail.state;
    var changed = false;
    if (key && key !== known) {
      known = key;
      changed = true;
    }
    if (state && state !== knownState) {
      knownState = state;
      changed = true;
    }
    if (changed) {
      refresh();
    }
  });
})();
