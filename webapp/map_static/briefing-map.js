/* The briefing map's behaviour in the browser: land, event markers, region shading,
 * legend, title, a full-screen button and optional online tiles. This file draws the
 * events written into the page (the standalone export); briefing-live.js adds the
 * served page's events, asked of the server view by view.
 *
 * webapp/maps.py writes one call per piece, with JSON it has already escaped for a
 * <script> block. Every piece of report text in that JSON is HTML-escaped there too, so
 * this file only hands it to Leaflet as popup/tooltip content or sets it as textContent.
 *
 * The page gets window.briefingMap = {map, layer, has(id), open(id), close()}, and the
 * map's container fires "briefing:select" / "briefing:deselect" (detail.id = event id)
 * when an event's popup opens or closes, so a side list can follow the map.
 */
(function (global) {
  "use strict";
  var L = global.L;
  var LAND_FILL = 1;   // opaque: with no tiles the land is the whole base map

  function land(map, cfg) {
    map.getContainer().classList.add("briefing-map");
    // A pane of its own keeps the land under every overlay whatever order layers load in.
    var pane = map.createPane("briefingLand");
    pane.style.zIndex = 250;
    pane.style.pointerEvents = "none";
    var layer = L.geoJSON(cfg.land || null, {
      pane: "briefingLand", interactive: false, attribution: cfg.attribution,
      style: {color: "#a39d92", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: LAND_FILL}
    });
    map.briefingLand = layer;   // the online tiles clear its fill while they are shown
    // A served page fetches the land (one cached file) rather than carry it in every
    // page; layer.ready settles once it is drawn, or has failed and left the sea alone.
    layer.ready = !cfg.url ? Promise.resolve() : global.fetch(cfg.url, {
      credentials: "same-origin"
    }).then(function (answer) {
      if (!answer.ok) { throw new Error(cfg.url + ": HTTP " + answer.status); }
      return answer.json();
    }).then(function (geojson) {
      layer.addData(geojson);
      if (map.briefingLandClear) { layer.setStyle({fillOpacity: 0}); }
    }).catch(function (err) {
      if (global.console) { global.console.warn("land not loaded:", err); }
    });
    return layer;
  }

  // Admin-1 borders (provinces, governorates): faint lines over the land from
  // cfg.minZoom up; further out they are clutter. A page with a server gives cfg.url and
  // the file is fetched the first time the map comes that close; the standalone export
  // has no server and carries the lines in cfg.lines. layer.ready settles once the view
  // has the lines it needs (the snapshot waits for it). A failed fetch leaves the map
  // without them, not broken, and is tried again at the next zoom.
  var Admin1 = L.Layer.extend({
    initialize: function (cfg) {
      this._cfg = cfg;
      this._lines = L.geoJSON(cfg.lines || null, {
        pane: "briefingLand", interactive: false, className: "briefing-admin1",
        style: {color: "#cfc8bc", weight: 0.5, opacity: 1}
      });
      this._loaded = cfg.lines ? Promise.resolve() : null;
      this.ready = Promise.resolve();
    },
    onAdd: function (map) {
      var self = this;
      map.on("zoomend", this._update, this);
      // Not before the page's script has run: the map is made at one zoom and fitted
      // to the events only after its layers.
      this.ready = new Promise(function (resolve) { global.setTimeout(resolve, 0); })
        .then(function () { return self._update(); });
    },
    onRemove: function (map) {
      map.off("zoomend", this._update, this);
      map.removeLayer(this._lines);
    },
    _update: function () {
      var self = this, map = this._map;
      if (!map || map.getZoom() < this._cfg.minZoom) {
        if (map) { map.removeLayer(this._lines); }
        return Promise.resolve();
      }
      return this._load().then(function () {
        var now = self._map;   // the map may have moved on while the file came
        if (now && now.getZoom() >= self._cfg.minZoom && !now.hasLayer(self._lines)) {
          self._lines.addTo(now);
          self._lines.bringToFront();   // over the land's fill, in the land's pane
        }
      });
    },
    _load: function () {
      var self = this, url = this._cfg.url;
      if (!this._loaded) {
        this._loaded = global.fetch(url, {credentials: "same-origin"}).then(function (answer) {
          if (!answer.ok) { throw new Error(url + ": HTTP " + answer.status); }
          return answer.json();
        }).then(function (geojson) {
          self._lines.addData(geojson);
        }).catch(function (err) {
          self._loaded = null;
          if (global.console) { global.console.warn("admin-1 borders not loaded:", err); }
        });
      }
      return this._loaded;
    }
  });

  function admin1(map, cfg) {
    return new Admin1(cfg);
  }

  // OpenStreetMap's tiles, for whoever is online and wants streets. Only a layer object
  // here: Leaflet asks for tiles once the layer is on the map, and maps.py leaves it off
  // until the layer switcher turns it on. The land sits in a pane above the tiles, so
  // while they are shown it keeps its borders and drops its fill, which would hide them.
  function osm(map, cfg) {
    var tiles = L.tileLayer(cfg.url, {maxZoom: cfg.maxZoom, attribution: cfg.attribution});
    tiles.on("add", function () {
      map.briefingLandClear = true;   // and for land that is still on its way
      if (map.briefingLand) { map.briefingLand.setStyle({fillOpacity: 0}); }
    });
    tiles.on("remove", function () {
      map.briefingLandClear = false;
      if (map.briefingLand) { map.briefingLand.setStyle({fillOpacity: LAND_FILL}); }
    });
    return tiles;
  }

  function announce(map, type, id) {
    map.getContainer().dispatchEvent(
      new CustomEvent(type, {bubbles: true, detail: {id: id}}));
  }

  function events(map, cfg) {
    // A cluster group even for small maps: with a tiny radius it only gathers markers
    // on the very same spot (many reports place events at a town's centre), which then
    // fan out on click instead of hiding under one another.
    var group = L.markerClusterGroup({
      maxClusterRadius: cfg.clusterRadius, showCoverageOnHover: false,
      spiderfyOnMaxZoom: true, chunkedLoading: true,
      attribution: cfg.attribution   // the events' sources, escaped by maps.py
    });
    var icons = cfg.icons.map(function (svg) {
      return L.divIcon({html: svg, className: "briefing-marker", iconSize: [18, 18],
                        iconAnchor: [9, 9], popupAnchor: [0, -8]});
    });
    var markers = new Map();
    var layers = cfg.events.map(function (row) {
      var id = row[0], icon = row[3], shape = row[5], outline = null;
      var marker = L.marker([row[1], row[2]], {icon: icons[icon], eventId: id});
      marker.bindPopup(row[4], {maxWidth: 340, minWidth: 220, autoPanPadding: [40, 40]});
      marker.on("popupopen", function () {
        // Events placed on a border or an area show that line or shape while selected.
        if (shape >= 0 && !outline) {
          outline = L.geoJSON(cfg.shapes[shape], {
            interactive: false,
            style: {color: cfg.colours[icon], weight: 3, dashArray: "6 4", fillOpacity: 0.12}
          }).addTo(map);
        }
        announce(map, "briefing:select", id);
      });
      marker.on("popupclose", function () {
        if (outline) { map.removeLayer(outline); outline = null; }
        announce(map, "briefing:deselect", id);
      });
      markers.set(String(id), marker);
      return marker;
    });
    group.addLayers(layers);

    // MarkerCluster's zoomToShowLayer never calls back when asked while the map is
    // still moving (a popup sliding into view), so a request then waits for moveend.
    var moving = false;
    map.on("movestart", function () { moving = true; });
    map.on("moveend", function () { moving = false; });
    global.briefingMap = {
      map: map,
      layer: group,
      has: function (id) { return markers.has(String(id)); },
      open: function (id) {
        var marker = markers.get(String(id));
        if (!marker) { return false; }   // not drawn: no place, or a total / history
        if (!map.hasLayer(group)) { map.addLayer(group); }
        var show = function () {
          group.zoomToShowLayer(marker, function () { marker.openPopup(); });
        };
        if (moving) { map.once("moveend", show); } else { show(); }
        return true;
      },
      close: function () { map.closePopup(); }
    };
    return group;
  }

  function regions(map, cfg) {
    return L.geoJSON(cfg, {
      style: function (feature) {
        return {color: "#6b6b6b", weight: 0.8, fillColor: feature.properties.fill,
                fillOpacity: 0.6};
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(feature.properties.label, {sticky: true});
      }
    });
  }

  function legend(map, cfg) {
    var control = L.control({position: "bottomright"});
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "briefing-legend");
      box.innerHTML = cfg.html;   // built from escaped text by maps.py
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    return control.addTo(map);
  }

  function title(map, text) {
    var box = L.DomUtil.create("div", "briefing-title", map.getContainer());
    box.textContent = text;
    return box;
  }

  // The browser's own Fullscreen API: folium's plugin would fetch its files from a CDN.
  function fullscreen(map) {
    var box = map.getContainer();
    if (!box.requestFullscreen) { return null; }   // e.g. inside a frame that forbids it
    var control = L.control({position: "topleft"});
    control.onAdd = function () {
      var bar = L.DomUtil.create("div", "leaflet-bar briefing-fullscreen");
      var button = L.DomUtil.create("a", "", bar);
      button.href = "#";
      button.title = "Full screen";
      button.setAttribute("role", "button");
      button.innerHTML = '<svg width="14" height="14" viewBox="0 0 14 14" fill="none" ' +
        'stroke="#333" stroke-width="2"><path d="M1 5V1h4M9 1h4v4M13 9v4H9M5 13H1V9"/></svg>';
      L.DomEvent.on(button, "click", function (ev) {
        L.DomEvent.stop(ev);
        if (document.fullscreenElement) { document.exitFullscreen(); }
        else { box.requestFullscreen(); }
      });
      return bar;
    };
    document.addEventListener("fullscreenchange", function () { map.invalidateSize(); });
    return control.addTo(map);
  }

  global.BriefingMap = {land: land, admin1: admin1, osm: osm, events: events,
                        regions: regions, legend: legend, title: title,
                        fullscreen: fullscreen};
}(window));
