/* Keeps an open map current: asks the server whether events were stored since the page
 * was made, says so, and brings them in when the reader asks, keeping the view.
 *
 * The page is given the store's newest marker (a number every stored event gets, later
 * ones larger) and the URL of /api/changes. Every 5 s (every 60 s while the tab is
 * hidden) this asks /api/changes?marker=M&<the page's filters>, sending the last answer's
 * ETag: while nothing was stored the server answers 304 at the cost of one index read.
 * When events matching the filters arrived, a notice "N new events – show" appears; its
 * button redraws the layer's current view (centre, zoom and filters untouched), and the
 * events are then ringed. A failure waits twice as long each time (up to 5 min); a
 * refusal (4xx: a marker the store does not know, a login that ended) stops the asking.
 *
 * The last marker the reader saw is kept in localStorage, so events stored since their
 * last visit are ringed when the page opens (none on a first visit).
 *
 * The notice's text is made of numbers only, set as textContent.
 */
(function (global) {
  "use strict";
  var L = global.L;
  var VISIBLE_MS = 5000;     // between two questions while the page is looked at
  var HIDDEN_MS = 60000;     // while the tab is in the background
  var LONGEST_MS = 300000;   // the longest wait after failures
  var KEY = "briefingMap.lastSeen ";   // + the changes URL: one per server and mount

  function withParams(url, query, extra) {
    var search = new URLSearchParams(query || "");
    extra.forEach(function (pair) { search.set(pair[0], pair[1]); });
    return url + (url.indexOf("?") < 0 ? "?" : "&") + search.toString();
  }

  // localStorage may be refused (an embedded map on another site, private modes):
  // the map then works as before, with nothing ringed on opening.
  function recall(key) {
    try {
      var text = global.localStorage.getItem(key);
      return text !== null && /^[0-9]{1,18}$/.test(text) ? parseInt(text, 10) : null;
    } catch (err) { return null; }
  }

  function remember(key, marker) {
    try { global.localStorage.setItem(key, String(marker)); } catch (err) { /* kept */ }
  }

  function Updates(map, layer, cfg) {
    var self = this;
    this.map = map;
    this.layer = layer;
    this.cfg = cfg;
    this.key = KEY + cfg.changesUrl;
    this.seen = cfg.marker;        // events stored after this one are announced
    this.etag = null;
    this.failures = 0;
    this.timer = null;
    this.stopped = false;
    this.asking = false;
    this.pending = null;           // the last answer's count, while announced
    // Ring what is newer than the reader's last visit; a marker ahead of the page's
    // (the store was replaced) is the page's own.
    var last = recall(this.key);
    layer.markFrom = last !== null && last <= cfg.marker ? last : cfg.marker;
    layer.heardOf(cfg.marker);
    remember(this.key, cfg.marker);
    this.notice = this._notice();
    map.on("briefing:drawn", function (e) {
      // A view drawn after a move holds every event stored up to e.latest already.
      if (typeof e.latest === "number" && e.latest > self.seen) { self._caughtUp(e.latest); }
    });
    global.document.addEventListener("visibilitychange", function () {
      if (!global.document.hidden && !self.failures) { self._schedule(0); }
    });
    this._schedule(VISIBLE_MS);
  }

  Updates.prototype = {
    _notice: function () {
      var self = this;
      var box = L.DomUtil.create("div", "briefing-updates", this.map.getContainer());
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      box.hidden = true;
      var button = L.DomUtil.create("button", "", box);
      button.type = "button";
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      button.addEventListener("click", function () { self.show(); });
      this.button = button;
      return box;
    },

    _announce: function (answer) {
      this.layer.heardOf(answer.latest);
      if (!answer.new && !answer.more) { this._hide(); return; }
      var n = answer.new;
      // more with none counted: the page's marker is older than the rows one answer
      // looks at, so it cannot say how many
      var count = answer.more ? (n ? n + "+ new events" : "New events") : n === 1
        ? "1 new event" : n + " new events";
      this.button.textContent = count + " – show";
      this.pending = answer;
      this.notice.hidden = false;
    },

    _hide: function () {
      this.notice.hidden = true;
      this.pending = null;
      this.button.disabled = false;
    },

    _caughtUp: function (latest) {
      this.seen = latest;
      this.etag = null;
      remember(this.key, latest);
      this._hide();
    },

    // Bring the new events in: the layer asks again for the view it shows.
    show: function () {
      var self = this, answer = this.pending;
      this.button.disabled = true;
      return this.layer.refresh(true).then(function () {
        var latest = Math.max(self.layer.latest || 0, answer ? answer.latest : 0);
        if (latest > self.seen) { self._caughtUp(latest); } else { self._hide(); }
      });
    },

    _schedule: function (ms) {
      var self = this;
      if (this.stopped) { return; }
      global.clearTimeout(this.timer);
      this.timer = global.setTimeout(function () { self.ask(); }, ms);
    },

    _next: function () {
      if (this.failures) {
        return Math.min(LONGEST_MS, VISIBLE_MS * Math.pow(2, this.failures));
      }
      return global.document.hidden ? HIDDEN_MS : VISIBLE_MS;
    },

    ask: function () {
      var self = this, cfg = this.cfg;
      if (this.stopped || this.asking) { return Promise.resolve(); }
      var extra = [["marker", String(this.seen)]];
      if (cfg.bbox) { extra.push(["bbox", cfg.bbox.join(",")]); }
      var asked = this.seen;
      var headers = this.etag ? {"If-None-Match": this.etag} : {};
      this.asking = true;
      return global.fetch(withParams(cfg.changesUrl, cfg.query, extra),
                          {credentials: "same-origin", cache: "no-store", headers: headers})
        .then(function (answer) {
          if (answer.status === 304) { return null; }
          if (answer.status >= 400 && answer.status < 500) {
            self.stopped = true;
            return answer.json().then(function (body) {
              throw new Error("stopped asking for new events: " + (body.error || answer.status));
            });
          }
          if (!answer.ok) { throw new Error("HTTP " + answer.status); }
          var tag = answer.headers.get("ETag");
          return answer.json().then(function (body) { return {tag: tag, body: body}; });
        })
        .then(function (got) {
          self.asking = false;
          self.failures = 0;
          // a move meanwhile caught the page up: this answer is about older events
          if (got && asked === self.seen) {
            self.etag = got.tag;
            self._announce(got.body);
          }
          self._schedule(self._next());
        })
        .catch(function (err) {
          self.asking = false;
          self.failures += 1;
          if (global.console) { global.console.warn("new events not asked for:", err); }
          self._schedule(self._next());
        });
    }
  };

  global.BriefingMap.updates = function (map, layer, cfg) {
    return new Updates(map, layer, cfg);
  };
}(window));
