/* The served map's events and region shading, asked of the server as the reader moves.
 *
 * The page carries no event: webapp/live_map.py gives the URLs to ask, the filters as a
 * query string, the type colours and the category glyphs. On load and after every move
 * (debounced, the stale request aborted) the layer asks /api/clusters for the view and
 * draws what comes back: a cluster as a round mark with its exact count and a ring of
 * its types' shares, a single event as its glyph (colour = type, shape = category).
 * Clicking a cluster zooms into its cell; at the closest zoom, where it cannot split,
 * it lists its newest events. Clicking an event asks /api/events/<id> for its popup.
 *
 * Report text arrives in three forms only: popup HTML that the server escaped
 * (map_html.popup_html), names set as textContent here, and numbers. Glyph markup
 * comes from the page's own settings, never from a response.
 *
 * With layer.markFrom set (a store marker: briefing-updates.js sets it) and events known
 * to be stored after it (layer.knownLatest is larger), every question carries
 * newer_than=markFrom and the marks holding events stored after it get a ring (class
 * briefing-new), as do such events in a cluster's list.
 *
 * The page gets window.briefingMap = {map, layer, has(id), open(id), close()}, and the
 * map's container fires "briefing:select" / "briefing:deselect" (detail.id = event id)
 * when an event's popup opens or closes, so a side list can follow the map.
 */
(function (global) {
  "use strict";
  var L = global.L;
  var DEBOUNCE_MS = 150;
  var LIST_LIMIT = 50;      // events listed by a cluster that cannot split
  var OPEN_ZOOM = 12;       // an event opened from the list is shown at least this close
  var NOTE_CHARS = 140;     // of an event's sentence in a cluster's list
  var SVG = "http://www.w3.org/2000/svg";
  var POPUP = {maxWidth: 340, minWidth: 220, autoPanPadding: [40, 40]};
  var NEW_CLASS = " briefing-new";
  var NEW_TITLE = "New since your last look";

  function has(obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); }

  function announce(map, type, id) {
    map.getContainer().dispatchEvent(
      new CustomEvent(type, {bubbles: true, detail: {id: id}}));
  }

  function getJSON(url, signal) {
    return global.fetch(url, {credentials: "same-origin", signal: signal})
      .then(function (answer) {
        if (!answer.ok) { throw new Error("HTTP " + answer.status); }
        return answer.json();
      });
  }

  // url + the filters' query + extra [name, value] pairs
  function address(url, query, extra) {
    var search = new URLSearchParams(query || "");
    (extra || []).forEach(function (pair) { search.set(pair[0], pair[1]); });
    var text = search.toString();
    return text ? url + (url.indexOf("?") < 0 ? "?" : "&") + text : url;
  }

  function boxText(box) {
    return box.map(function (v) { return String(Math.round(v * 1e5) / 1e5); }).join(",");
  }

  // The view as [west, south, east, north] within the world's range, or null when it
  // shows the whole world (then no bbox is sent at all).
  function viewBox(bounds) {
    var w = bounds.getWest(), e = bounds.getEast();
    var s = Math.max(-90, bounds.getSouth()), n = Math.min(90, bounds.getNorth());
    if (e - w >= 360) { w = -180; e = 180; }
    w = Math.max(-180, Math.min(180, Math.floor(w * 1e5) / 1e5));
    e = Math.max(-180, Math.min(180, Math.ceil(e * 1e5) / 1e5));
    s = Math.max(-90, Math.floor(s * 1e5) / 1e5);
    n = Math.min(90, Math.ceil(n * 1e5) / 1e5);
    if (w <= -180 && e >= 180 && s <= -90 && n >= 90) { return null; }
    return [w, s, e, n];
  }

  // Two boxes' overlap; null = everywhere, false = nothing. An area that crosses the
  // antimeridian (west > east) is sent as it is: the server keeps to it.
  function overlap(a, b) {
    if (!a) { return b || null; }
    if (!b) { return a; }
    if (b[0] > b[2]) { return b; }
    var box = [Math.max(a[0], b[0]), Math.max(a[1], b[1]),
               Math.min(a[2], b[2]), Math.min(a[3], b[3])];
    return box[0] > box[2] || box[1] > box[3] ? false : box;
  }

  function svg(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  var Live = L.Layer.extend({
    initialize: function (cfg) {
      this._cfg = cfg;
      this._marks = L.layerGroup();
      this._singles = new Map();   // event id -> its marker, for those drawn now
      this._timer = null;
      this._request = null;
      this._asked = null;          // the URL of the marks drawn or on their way
      this._opening = null;
      this._outline = null;
      this.total = null;           // events counted in the marks drawn now
      this.latest = null;          // the store's newest marker when they were counted
      this.markFrom = null;        // events stored after this marker are ringed
      this.knownLatest = null;     // the newest marker the page has heard of
      this.ready = Promise.resolve();
    },

    onAdd: function (map) {
      this._marks.addTo(map);
      map.on("moveend", this._soon, this);
      // Not at once: the page fits the map to the events just after adding its layers.
      this._soon();
    },

    onRemove: function (map) {
      map.off("moveend", this._soon, this);
      global.clearTimeout(this._timer);
      if (this._request) { this._request.abort(); }
      map.removeLayer(this._marks);
    },

    getLayers: function () { return this._marks.getLayers(); },

    colour: function (type) {
      var colours = this._cfg.colours;
      return type != null && has(colours, type) ? colours[type] : this._cfg.unknownColour;
    },

    // Events may be ringed: some were stored after markFrom.
    _marking: function () {
      return this.markFrom !== null && this.knownLatest !== null &&
        this.markFrom < this.knownLatest;
    },

    heardOf: function (latest) {
      if (this.knownLatest === null || latest > this.knownLatest) { this.knownLatest = latest; }
    },

    _soon: function () {
      var self = this;
      global.clearTimeout(this._timer);
      this._timer = global.setTimeout(function () { self.refresh(); }, DEBOUNCE_MS);
    },

    // Ask for the marks of the current view; a request still on its way is dropped.
    // force: ask again even when the marks drawn are this very view's (new events).
    refresh: function (force) {
      var self = this, map = this._map;
      if (!map) { return this.ready; }
      var box = overlap(viewBox(map.getBounds().pad(0.15)), this._cfg.bbox);
      if (box === false) {   // the view is outside the filtered area
        if (this._request) { this._request.abort(); }
        this._asked = null;
        this.total = 0;
        this._draw([]);
        return (this.ready = Promise.resolve());
      }
      var zoom = Math.max(0, Math.min(this._cfg.maxZoom, Math.round(map.getZoom())));
      var extra = [["zoom", String(zoom)]];
      if (box) { extra.unshift(["bbox", boxText(box)]); }
      if (this._marking()) { extra.push(["newer_than", String(this.markFrom)]); }
      var url = address(this._cfg.clustersUrl, this._cfg.query, extra);
      // The opening fit ends where the page began (one moveend more): the marks asked
      // for, or drawn, are those of this very view already.
      if (url === this._asked && !force) { return this.ready; }
      if (this._request) { this._request.abort(); }
      this._asked = url;
      var request = this._request = new AbortController();
      this.ready = getJSON(url, request.signal)
        .then(function (answer) {
          if (self._request !== request) { return; }
          self._request = null;
          self.total = answer.total;
          if (typeof answer.latest === "number") {
            self.latest = answer.latest;
            self.heardOf(answer.latest);
          }
          self._draw(answer.features);
          map.fire("briefing:drawn", {total: answer.total, latest: self.latest});
        })
        .catch(function (err) {
          if (err && err.name === "AbortError") { return; }
          if (self._request === request) { self._request = null; self._asked = null; }
          if (global.console) { global.console.warn("events not loaded:", err); }
        });
      return this.ready;
    },

    _draw: function (features) {
      var self = this;
      this._marks.clearLayers();
      this._singles.clear();
      features.forEach(function (feature) {
        var p = feature.properties, xy = feature.geometry.coordinates;
        var mark = p.count === 1 ? self._single(p, xy) : self._cluster(p, xy);
        self._marks.addLayer(mark);
      });
    },

    _single: function (p, xy) {
      var self = this, cfg = this._cfg;
      var shape = has(cfg.shapes, p.category) ? cfg.shapes[p.category] : "circle";
      var box = document.createElement("span");
      box.className = "briefing-glyph";
      box.innerHTML = cfg.glyphs[shape];   // the page's own markup: no report text
      box.style.color = this.colour(p.event_type);
      var marker = L.marker([xy[1], xy[0]], {
        icon: L.divIcon({html: box, className: "briefing-marker" + (p.new ? NEW_CLASS : ""),
                         iconSize: [18, 18], iconAnchor: [9, 9], popupAnchor: [0, -8]}),
        eventId: p.event_id, keyboard: true, title: p.new ? NEW_TITLE : ""
      });
      marker.on("add", function () {
        var el = marker.getElement();
        if (el) { el.setAttribute("data-event-id", String(p.event_id)); }
      });
      marker.on("click", function () {
        self.openEvent(p.event_id, marker.getLatLng(), false);
      });
      this._singles.set(String(p.event_id), marker);
      return marker;
    },

    _cluster: function (p, xy) {
      var self = this;
      var size = Math.round(Math.min(56, 28 + 7 * Math.log10(p.count)));
      var mark = this._ring(p, size);
      var marker = L.marker([xy[1], xy[0]], {
        icon: L.divIcon({html: mark, className: "briefing-cluster" + (p.new ? NEW_CLASS : ""),
                         iconSize: [size, size], iconAnchor: [size / 2, size / 2]}),
        keyboard: true, riseOnHover: true
      });
      marker.on("add", function () {
        var el = marker.getElement();
        if (el) { el.setAttribute("data-count", String(p.count)); }
        if (el && p.new) { el.setAttribute("data-new", String(p.new)); }
      });
      marker.on("click", function () { self._zoomInto(p, marker.getLatLng()); });
      return marker;
    },

    // A round mark: a ring cut into each type's share, the exact count in the middle.
    _ring: function (p, size) {
      var self = this, r = size / 2 - 3, around = 2 * Math.PI * r, done = 0;
      var mark = svg("svg", {width: size, height: size, viewBox: "0 0 " + size + " " + size});
      var title = svg("title", {});
      var names = Object.keys(p.types).sort(function (a, b) {
        return p.types[b] - p.types[a];
      });
      title.textContent = p.count + " events: " + names.map(function (name) {
        return (name || "Unknown type") + " " + p.types[name];
      }).join(", ") + (p.new ? "; " + p.new + " new" : "");
      mark.appendChild(title);
      mark.appendChild(svg("circle", {cx: size / 2, cy: size / 2, r: r + 2,
                                       fill: "#fff", "fill-opacity": "0.92"}));
      names.forEach(function (name) {
        var share = around * p.types[name] / p.count;
        mark.appendChild(svg("circle", {
          cx: size / 2, cy: size / 2, r: r, fill: "none", stroke: self.colour(name),
          "stroke-width": 5, "stroke-dasharray": share + " " + (around - share),
          "stroke-dashoffset": String(-done),
          transform: "rotate(-90 " + size / 2 + " " + size / 2 + ")"
        }));
        done += share;
      });
      var text = svg("text", {x: "50%", y: "50%", "text-anchor": "middle",
                              "dominant-baseline": "central", "class": "briefing-count"});
      var digits = String(p.count);
      text.setAttribute("font-size", digits.length > 4 ? "9" : digits.length > 3 ? "10" : "11");
      text.textContent = digits;
      mark.appendChild(text);
      return mark;
    },

    _zoomInto: function (p, where) {
      var map = this._map, b = p.bbox;
      if (map.getZoom() >= map.getMaxZoom()) { this._list(p, where); return; }
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {maxZoom: map.getMaxZoom()});
    },

    // The newest events of a cluster that cannot split any more, in a popup.
    _list: function (p, where) {
      var self = this, map = this._map, cfg = this._cfg;
      var box = overlap(p.bbox, cfg.bbox) || p.bbox;
      var extra = [["bbox", boxText(box)], ["limit", String(LIST_LIMIT)]];
      if (this._marking()) { extra.push(["newer_than", String(this.markFrom)]); }
      var url = address(cfg.eventsUrl, cfg.query, extra);
      getJSON(url).then(function (answer) {
        var body = document.createElement("div");
        body.className = "briefing-list";
        var head = document.createElement("p");
        head.textContent = answer.total + " events here" + (
          answer.total > answer.features.length
            ? "; the newest " + answer.features.length + ":" : ":");
        body.appendChild(head);
        var list = document.createElement("ol");
        var fresh = new Set((answer["new"] || []).map(String));
        answer.features.forEach(function (feature) {
          var q = feature.properties, item = document.createElement("li");
          if (fresh.has(String(q.event_id))) { item.className = "bl-new"; }
          var button = document.createElement("button");
          button.type = "button";
          var meta = document.createElement("span");
          meta.className = "bl-meta";
          meta.textContent = [q.event_date || "undated", q.event_type, q.location]
            .filter(Boolean).join(" · ");
          var note = document.createElement("span");
          var text = q.notes || "";
          note.textContent = text.length > NOTE_CHARS ? text.slice(0, NOTE_CHARS - 1) + "…"
            : text;
          button.appendChild(meta);
          button.appendChild(note);
          button.addEventListener("click", function () {
            self.openEvent(q.event_id, null, false);
          });
          item.appendChild(button);
          list.appendChild(item);
        });
        body.appendChild(list);
        L.popup(POPUP).setLatLng(where).setContent(body).openOn(map);
      }).catch(function (err) {
        if (global.console) { global.console.warn("events of the mark not loaded:", err); }
      });
    },

    // Show one event's popup (and the line or area it is placed on); with fly, move
    // the map to it first. Resolves to false when it has no place to show.
    openEvent: function (id, where, fly) {
      var self = this, map = this._map, cfg = this._cfg;
      var token = this._opening = {};
      var url = cfg.eventUrl.replace("__id__", encodeURIComponent(String(id)));
      return getJSON(url).then(function (feature) {
        if (self._opening !== token || !self._map) { return false; }
        var point = feature.geometry && feature.geometry.coordinates;
        where = where || (point ? L.latLng(point[1], point[0]) : null);
        if (!where) { return false; }
        var show = function () {
          if (self._opening !== token) { return; }
          self._popup(feature, where);
        };
        if (!fly) { show(); return true; }
        var zoom = Math.max(map.getZoom(), OPEN_ZOOM);
        var shown = map.getBounds().pad(-0.1).contains(where) && map.getZoom() >= OPEN_ZOOM;
        if (shown) { show(); return true; }
        var once = false;
        var after = function () { if (!once) { once = true; show(); } };
        map.once("moveend", after);
        global.setTimeout(after, 1500);   // a move cut short fires no moveend
        map.flyTo(where, zoom, {duration: 0.6});
        return true;
      }).catch(function (err) {
        if (global.console) { global.console.warn("event not loaded:", err); }
        return false;
      });
    },

    _popup: function (feature, where) {
      var self = this, map = this._map, id = feature.properties.event_id;
      var popup = L.popup(POPUP).setLatLng(where).setContent(feature.popup);
      popup.on("add", function () {
        if (feature.outline) {
          self._outline = L.geoJSON(feature.outline, {
            interactive: false,
            style: {color: self.colour(feature.properties.event_type), weight: 3,
                    dashArray: "6 4", fillOpacity: 0.12}
          }).addTo(map);
        }
        announce(map, "briefing:select", id);
      });
      popup.on("remove", function () {
        if (self._outline) { map.removeLayer(self._outline); self._outline = null; }
        announce(map, "briefing:deselect", id);
      });
      popup.openOn(map);
    }
  });

  function live(map, cfg) {
    var layer = new Live(cfg);
    global.briefingMap = {
      map: map,
      layer: layer,
      has: function (id) { return layer._singles.has(String(id)); },
      open: function (id) {
        if (!map.hasLayer(layer)) { map.addLayer(layer); }
        return layer.openEvent(id, null, true);
      },
      close: function () { map.closePopup(); }
    };
    // Before the first view is asked for (the layer waits a moment): the marker from
    // which marks are ringed is set by then.
    if (cfg.changesUrl && global.BriefingMap.updates) {
      global.briefingMap.updates = global.BriefingMap.updates(map, layer, cfg);
    }
    return layer;
  }

  // -- regions, shaded by their events, fetched the first time the layer is ticked --

  function classBreaks(top, nice, classes) {
    var found = nice.filter(function (b) { return b <= top; });
    if (!found.length) { found = [1]; }
    if (found.length <= classes) { return found; }
    var picked = [];
    for (var i = 0; i < classes; i++) {
      picked.push(found[Math.round(i * (found.length - 1) / (classes - 1))]);
    }
    return picked;
  }

  var Regions = L.Layer.extend({
    initialize: function (cfg) {
      this._cfg = cfg;
      this._shapes = null;
      this._key = null;
      this.ready = Promise.resolve();
    },
    onAdd: function (map) {
      var self = this;
      if (!this._shapes) {
        this.ready = getJSON(this._cfg.url).then(function (geojson) {
          self._shapes = self._shade(geojson);
          if (self._map) { self._show(); }
        }).catch(function (err) {
          if (global.console) { global.console.warn("regions not loaded:", err); }
        });
      } else {
        this._show();
      }
    },
    onRemove: function (map) {
      if (this._shapes) { map.removeLayer(this._shapes); }
      if (this._key) { this._key.remove(); this._key = null; }
    },
    _show: function () {
      this._shapes.addTo(this._map);
      this._key = this._legend().addTo(this._map);
    },
    _shade: function (geojson) {
      var cfg = this._cfg, features = geojson.features.filter(function (f) {
        return f.geometry;
      });
      var top = Math.max.apply(null, [0].concat(features.map(function (f) {
        return f.properties.events;
      })));
      var breaks = classBreaks(top, cfg.breaks, cfg.colours.length);
      var colours = breaks.map(function (_, i) {
        return cfg.colours[breaks.length < 2 ? 0
          : Math.round(i * (cfg.colours.length - 1) / (breaks.length - 1))];
      });
      this._classes = breaks.map(function (low, i) {
        var high = i + 1 < breaks.length ? breaks[i + 1] - 1 : null;
        var text = high === null ? low + "+" : high === low ? String(low) : low + "–" + high;
        return [text + " event(s)", colours[i]];
      });
      var fill = function (count) {
        var k = 0;
        while (k + 1 < breaks.length && count >= breaks[k + 1]) { k++; }
        return colours[k];
      };
      return L.geoJSON({type: "FeatureCollection", features: features}, {
        style: function (f) {
          return {color: "#6b6b6b", weight: 0.8, fillColor: fill(f.properties.events),
                  fillOpacity: 0.6};
        },
        onEachFeature: function (f, layer) {
          var q = f.properties, label = document.createElement("div");
          var name = document.createElement("b");
          name.textContent = q.admin1;
          label.appendChild(name);
          var country = has(cfg.countries, q.country_code) ? cfg.countries[q.country_code]
            : q.country_code;
          label.appendChild(document.createTextNode(", " + country));
          label.appendChild(document.createElement("br"));
          label.appendChild(document.createTextNode(
            q.events + " event(s), " + (q.fatalities || 0) + " fatalities"));
          layer.bindTooltip(label, {sticky: true});
        }
      });
    },
    _legend: function () {
      var classes = this._classes;
      var control = L.control({position: "bottomleft"});
      control.onAdd = function () {
        var box = L.DomUtil.create("div", "briefing-legend briefing-region-key");
        var head = L.DomUtil.create("h4", "", box);
        head.textContent = "Events per region";
        var list = L.DomUtil.create("ul", "", box);
        classes.forEach(function (pair) {
          var item = L.DomUtil.create("li", "", list);
          var key = L.DomUtil.create("span", "bl-key", item);
          key.style.background = pair[1];
          key.style.opacity = "0.8";
          item.appendChild(document.createTextNode(pair[0]));
        });
        return box;
      };
      return control;
    }
  });

  function regionsOnDemand(map, cfg) {
    return new Regions(cfg);
  }

  global.BriefingMap.live = live;
  global.BriefingMap.regionsOnDemand = regionsOnDemand;
}(window));
