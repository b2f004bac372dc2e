// Live updates of a recording page over one event stream. The server sends
// "progress" events with counts and labels only. This script updates the
// facts at the top, fetches the transcript part again when new segments
// exist, and passes every event on as a "live-progress" event on the
// document, which thread.js uses for the summary and question part.
// While the user edits inside the transcript, the swap waits and a status
// line explains why.
//
// The stream opens after the load event: a connection that never finishes
// would otherwise keep the page "loading" in some browsers.
window.addEventListener("load", function () {
  setTimeout(function () {
    watchTranscript();
    openLive();
  }, 0);
});

var liveSource = null;
var liveRetry = null;

// liveRetryMs is how long the page waits before it opens a stream that the
// server rejected or closed with an error status. EventSource reconnects by
// itself only after a network error, not after a status such as 429.
var liveRetryMs = 30000;

// Opens the page's event stream unless it is open already. thread.js calls
// it again when the chat engine starts writing after the stream ended.
function openLive() {
  var part = document.getElementById("utskrift-del");
  if (liveSource || !part || !part.dataset.live || !window.EventSource || !window.fetch) {
    return;
  }
  clearTimeout(liveRetry);
  var source = new EventSource(part.dataset.live);
  liveSource = source;

  source.addEventListener("progress", function (event) {
    var p = JSON.parse(event.data);
    document.dispatchEvent(new CustomEvent("live-progress", { detail: p }));
    if (p.done) {
      source.close();
      liveSource = null;
    }
  });
  source.addEventListener("error", function () {
    if (source.readyState === EventSource.CLOSED && liveSource === source) {
      liveSource = null;
      liveRetry = setTimeout(openLive, liveRetryMs);
    }
  });
}

function watchTranscript() {
  var part = document.getElementById("utskrift-del");
  var status = document.getElementById("live-status");
  if (!part || !status || !window.fetch) {
    return;
  }
  var known = parseInt(part.dataset.segments, 10) || 0;
  var speakers = null;
  var pending = false;

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && text && el.textContent !== text) {
      el.textContent = text;
    }
  }

  // Returns whether the state label changed.
  function setState(label, className) {
    var el = document.getElementById("lage");
    if (!el || !label || el.textContent === label) {
      return false;
    }
    el.textContent = label;
    if (className) {
      el.className = "state " + className;
    }
    return true;
  }

  function editing() {
    return part.contains(document.activeElement) || part.querySelector("details[open], .edit-inline") !== null;
  }

  function refresh() {
    if (editing()) {
      pending = true;
      status.textContent = "Ny text har kommit. Den visas när du har sparat eller stängt det du redigerar.";
      return;
    }
    pending = false;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("utskrift-del");
        if (!fresh) {
          return;
        }
        part.innerHTML = fresh.innerHTML;
        document.dispatchEvent(new Event("transcript-updated"));
        status.textContent = "Utskriften har uppdaterats.";
      })
      .catch(function () {
        status.textContent = "Ny text finns, men den kunde inte hämtas. Ladda om sidan.";
      });
  }

  document.addEventListener("live-progress", function (event) {
    var p = event.detail;
    setText("framsteg", p.progress);
    setText("ljuddelar", p.chunks);
    // A new state, such as the end of the meeting, changes the notice
    // above the transcript.
    var newState = setState(p.state, p.state_class);
    // A new speaker diarization changes the token. The page may also be
    // older than the first event, when it still shows a re-run as running.
    var newSpeakers = speakers === null ? document.getElementById("talare-pa-nytt") !== null && p.speakers !== "ny-uppdelning" : p.speakers !== speakers;
    speakers = p.speakers;
    if (p.segments !== known || newSpeakers || newState) {
      known = p.segments;
      refresh();
    }
  });

  // A swap that waited for an edit happens once the edit is closed.
  function afterEdit() {
    if (pending && !editing()) {
      refresh();
    }
  }
  part.addEventListener("toggle", afterEdit, true);
  document.addEventListener("edit-closed", afterEdit);
}
