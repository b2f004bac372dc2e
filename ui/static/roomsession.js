// Ends the display of a room session's pages on a room tablet. Every page
// of a session opened on the tablet loads this script. It polls the server
// every few seconds to check whether the session is still active. The
// session ends when the next meeting starts, after the idle timeout, when
// the person leaves or when IT unpairs the tablet. Then the script removes
// the page's content and replaces the page with the room page, so the
// next person in the room sees nothing of the earlier meeting.
(function () {
  var sessionURL = "/rum/session";
  var roomURL = "/rum";
  var pollMillis = 3000;
  // The room session's idle timeout (roomSessionIdle in room.go). When no
  // poll has succeeded for this long, the session has ended anyway.
  var maxSilenceMillis = 5 * 60 * 1000;
  var lastSuccess = Date.now();
  var left = false;

  function leave() {
    if (left) {
      return;
    }
    left = true;
    document.querySelectorAll("audio, video").forEach(function (media) {
      media.pause();
      media.removeAttribute("src");
    });
    if (document.body) {
      document.body.replaceChildren();
    }
    document.title = "Ordagrann";
    window.location.replace(roomURL);
  }

  function check() {
    if (left) {
      return;
    }
    fetch(sessionURL, { cache: "no-store", credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) {
        if (!res.ok) {
          throw new Error("session check: status " + res.status);
        }
        return res.json();
      })
      .then(function (state) {
        lastSuccess = Date.now();
        if (state.active !== true) {
          leave();
          return;
        }
        document.documentElement.style.visibility = "";
      })
      .catch(function () {
        if (Date.now() - lastSuccess >= maxSilenceMillis) {
          leave();
        }
      });
  }

  check();
  setInterval(check, pollMillis);
  // A page restored from the back-forward cache stays hidden until the
  // server confirms that its session is still active.
  window.addEventListener("pageshow", function (ev) {
    if (ev.persisted) {
      document.documentElement.style.visibility = "hidden";
      left = false;
      check();
    }
  });
})();
