/* Clusters written into a page (the standalone export of many events), drawn for the
 * map's zoom: each a circle whose area grows with its count, cut into its types' colours
 * (largest share first, from twelve o'clock clockwise) and numbered, as the snapshots
 * draw them. Clicking one zooms into its grid cell; hovering lists its types.
 *
 * cfg (from webapp/standalone_clusters.py, escaped for <script> there):
 *   zooms: {"2": rows, ..., "9": rows}  rows are [lat, lon, count, type, n, type, n, ...]
 *   colours, names: per type index;  attribution: escaped HTML naming the sources.
 * A zoom closer than the closest embedded one shows that one's clusters. The grid is
 * the store's: at zoom z a cell is 360 / 2^(z + 2) degrees on a side.
 */
(function (global) {
  "use strict";
  var L = global.L;
  var MIN_R = 9, MAX_R = 26;   // as webapp/snapshot/marks.py's cluster_radius

  function label(n) {
    if (n < 1000) { return String(n); }
    if (n < 10000) { return (Math.round(n / 100) / 10) + "k"; }
    if (n < 1000000) { return Math.floor(n / 1000) + "k"; }
    return (Math.round(n / 100000) / 10) + "M";
  }

  function radius(n, largest) {
    if (largest <= 1) { return MIN_R; }
    return MIN_R + (MAX_R - MIN_R) * Math.sqrt(Math.max(n - 1, 0) / (largest - 1));
  }

  // Numbers and colours only (checked colours from the server): no report text here.
  function pie(row, colours, r) {
    var size = 2 * r + 4, c = r + 2, parts = [], start = -Math.PI / 2;
    for (var k = 3; k < row.length; k += 2) {
      var share = row[k + 1] / row[2], colour = colours[row[k]];
      if (share >= 0.9999) {
        parts.push('<circle cx="' + c + '" cy="' + c + '" r="' + r + '" fill="' + colour +
                   '"/>');
        break;
      }
      var end = start + 2 * Math.PI * share;
      var x0 = c + r * Math.cos(start), y0 = c + r * Math.sin(start);
      var x1 = c + r * Math.cos(end), y1 = c + r * Math.sin(end);
      parts.push('<path d="M' + c + ',' + c + 'L' + x0.toFixed(2) + ',' + y0.toFixed(2) +
                 'A' + r + ',' + r + ' 0 ' + (end - start > Math.PI ? 1 : 0) + ' 1 ' +
                 x1.toFixed(2) + ',' + y1.toFixed(2) + 'Z" fill="' + colour + '"/>');
      start = end;
    }
    var font = Math.max(Math.min(r * 0.75, 14), 9).toFixed(1);
    return '<svg width="' + size + '" height="' + size + '" viewBox="0 0 ' + size + ' ' +
      size + '"><g opacity=".88">' + parts.join("") + '</g><circle cx="' + c + '" cy="' +
      c + '" r="' + r + '" fill="none" stroke="#fff" stroke-width="1.6"/><text x="' + c +
      '" y="' + c + '" dy=".35em" text-anchor="middle" font-size="' + font +
      '" font-weight="700" fill="#fff" stroke="rgba(0,0,0,.75)" stroke-width="3" ' +
      'paint-order="stroke">' + label(row[2]) + "</text></svg>";
  }

  function cellBounds(row, zoom) {
    var side = 360 / Math.pow(2, zoom + 2);
    var x = Math.floor((row[1] + 180) / side), y = Math.floor((row[0] + 90) / side);
    return L.latLngBounds([-90 + y * side, -180 + x * side],
                          [-90 + (y + 1) * side, -180 + (x + 1) * side]);
  }

  function tooltip(row, names) {
    var box = document.createElement("div");
    var head = document.createElement("b");
    head.textContent = row[2].toLocaleString("en") + (row[2] === 1 ? " event" : " events");
    box.appendChild(head);
    for (var k = 3; k < row.length; k += 2) {
      var line = document.createElement("div");
      line.textContent = names[row[k]] + ": " + row[k + 1].toLocaleString("en");
      box.appendChild(line);
    }
    return box;
  }

  var ClusterLayer = L.LayerGroup.extend({
    initialize: function (cfg) {
      L.LayerGroup.prototype.initialize.call(this, [], {attribution: cfg.attribution});
      this._cfg = cfg;
      this._levels = Object.keys(cfg.zooms).map(Number)
        .sort(function (a, b) { return a - b; });
      this._largest = {};
      var self = this;
      this._levels.forEach(function (z) {
        self._largest[z] = cfg.zooms[z].reduce(function (m, row) {
          return Math.max(m, row[2]);
        }, 1);
      });
    },
    onAdd: function (map) {
      L.LayerGroup.prototype.onAdd.call(this, map);
      map.on("moveend", this._update, this);
      this._update();
    },
    onRemove: function (map) {
      map.off("moveend", this._update, this);
      L.LayerGroup.prototype.onRemove.call(this, map);
    },
    // The embedded zoom for the map's: the closest one not closer than the map.
    level: function () {
      var zoom = this._map.getZoom(), found = this._levels[0];
      this._levels.forEach(function (z) { if (z <= zoom) { found = z; } });
      return found;
    },
    _update: function () {
      var map = this._map;
      if (!map) { return; }
      this.clearLayers();
      var zoom = this.level(), rows = this._cfg.zooms[zoom] || [];
      var view = map.getBounds().pad(0.25), largest = this._largest[zoom];
      var cfg = this._cfg, self = this;
      rows.forEach(function (row) {
        if (!view.contains([row[0], row[1]])) { return; }
        var r = radius(row[2], largest);
        var marker = L.marker([row[0], row[1]], {
          icon: L.divIcon({html: pie(row, cfg.colours, r), className: "briefing-cluster",
                           iconSize: [2 * r + 4, 2 * r + 4]}),
          keyboard: false
        });
        marker.bindTooltip(tooltip(row, cfg.names), {direction: "top"});
        marker.on("click", function () { map.fitBounds(cellBounds(row, zoom)); });
        self.addLayer(marker);
      });
    }
  });

  function clusters(map, cfg) {
    var layer = new ClusterLayer(cfg);
    // The same handle the map of single events gives (no event can be opened here).
    global.briefingMap = {map: map, layer: layer, has: function () { return false; },
                          open: function () { return false; },
                          close: function () { map.closePopup(); }};
    return layer;
  }

  global.BriefingClusters = {clusters: clusters};
}(window));
