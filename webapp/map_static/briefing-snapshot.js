/* The snapshot page: the briefing map drawn once, still, for a picture.
 *
 * A snapshot may hold 100,000 events, far beyond what Leaflet's DOM markers (one element
 * each) can draw in a few seconds, so the events are painted onto one canvas with the very
 * glyphs the interactive map uses. Borders and areas that events sit on are outlined.
 * A picture with too many events in view to tell apart gets the store's clusters instead:
 * circles sized by their counts (the radius is worked out by the server, the same for
 * the matplotlib picture), cut like a pie into their types' colours, numbered.
 * When everything is painted, <html> gets data-briefing-ready="1": the renderer waits for
 * that attribute before it takes the picture.
 *
 * webapp/snapshot/page.py writes the calls; its JSON is escaped for <script> and holds no
 * report text except what goes through textContent (title, caption).
 */
(function (global) {
  "use strict";
  var L = global.L;
  var SIZE = 18, HALF = 9, PAD = 3;
  var pending = [];   // drawing still to finish before the picture may be taken

  function loadImages(svgs) {
    return Promise.all(svgs.map(function (svg) {
      return new Promise(function (resolve) {
        var img = new Image(SIZE, SIZE);
        img.onload = function () { resolve(withShadow(img)); };
        img.onerror = function () { resolve(null); };   // a missing glyph: skip, not hang
        // Inline <svg> needs no namespace, an SVG image does.
        if (svg.indexOf("xmlns=") < 0) {
          svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"');
        }
        img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
      });
    }));
  }

  // The interactive map's markers carry a faint drop shadow. Blurring 100,000 of them
  // one by one takes seconds, so each glyph is drawn with its shadow once, here, and
  // the canvas below only copies the result.
  function withShadow(img) {
    var tile = document.createElement("canvas");
    tile.width = tile.height = SIZE + 2 * PAD;
    var ctx = tile.getContext("2d");
    ctx.shadowColor = "rgba(0, 0, 0, 0.55)";
    ctx.shadowBlur = 1.5;
    ctx.drawImage(img, PAD, PAD, SIZE, SIZE);
    return tile;
  }

  // One canvas over the map, repainted whenever the view changes (a resized window,
  // say): a subclass's _paint(ctx, map, size) draws on it in screen pixels.
  var CanvasLayer = L.Layer.extend({
    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "briefing-glyphs");
      map.getPane("markerPane").appendChild(this._canvas);
      map.on("moveend zoomend resize", this._draw, this);
      this._draw();
    },
    onRemove: function (map) {
      map.off("moveend zoomend resize", this._draw, this);
      L.DomUtil.remove(this._canvas);
    },
    _draw: function () {
      var map = this._map, size = map.getSize(), canvas = this._canvas;
      var ratio = global.devicePixelRatio || 1;
      canvas.width = size.x * ratio;
      canvas.height = size.y * ratio;
      canvas.style.width = size.x + "px";
      canvas.style.height = size.y + "px";
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      var ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      this._paint(ctx, map, size);
    }
  });

  // One glyph per event.
  var GlyphLayer = CanvasLayer.extend({
    initialize: function (cfg, images) { this._cfg = cfg; this._images = images; },
    _paint: function (ctx, map, size) {
      var rows = this._cfg.rows, images = this._images;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i], img = images[row[2]];
        if (!img) { continue; }
        var p = map.latLngToContainerPoint([row[0], row[1]]);
        if (p.x < -HALF || p.y < -HALF || p.x > size.x + HALF || p.y > size.y + HALF) {
          continue;
        }
        ctx.drawImage(img, Math.round(p.x) - HALF - PAD, Math.round(p.y) - HALF - PAD);
      }
    }
  });

  // One canvas of clusters; rows are [lat, lon, radius, label, colour, n, colour, n, ...].
  var ClusterLayer = CanvasLayer.extend({
    initialize: function (cfg) { this._cfg = cfg; },
    _paint: function (ctx, map, size) {
      var rows = this._cfg.rows, colours = this._cfg.colours, labels = [];
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i], r = row[2], p = map.latLngToContainerPoint([row[0], row[1]]);
        if (p.x < -r || p.y < -r || p.x > size.x + r || p.y > size.y + r) { continue; }
        var total = 0, k;
        for (k = 5; k < row.length; k += 2) { total += row[k]; }
        var start = -Math.PI / 2;   // twelve o'clock, clockwise
        ctx.globalAlpha = 0.88;
        for (k = 4; k < row.length; k += 2) {
          var sweep = 2 * Math.PI * row[k + 1] / total;
          ctx.beginPath();
          ctx.moveTo(p.x, p.y);
          ctx.arc(p.x, p.y, r, start, start + sweep);
          ctx.closePath();
          ctx.fillStyle = colours[row[k]];
          ctx.fill();
          start += sweep;
        }
        ctx.globalAlpha = 1;
        ctx.beginPath();
        ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
        ctx.lineWidth = 1.6;
        ctx.strokeStyle = "#fff";
        ctx.stroke();
        labels.push([p.x, p.y, r, row[3]]);
      }
      // Numbers after every circle: no circle covers another's number.
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.lineJoin = "round";
      labels.forEach(function (label) {
        var px = Math.max(Math.min(label[2] * 0.75, 14), 9);
        ctx.font = "bold " + px + "px system-ui, -apple-system, 'Segoe UI', sans-serif";
        ctx.lineWidth = 3;
        ctx.strokeStyle = "rgba(0, 0, 0, .75)";
        ctx.strokeText(label[3], label[0], label[1]);
        ctx.fillStyle = "#fff";
        ctx.fillText(label[3], label[0], label[1]);
      });
    }
  });

  function clusters(map, cfg) {
    return new ClusterLayer(cfg).addTo(map);
  }

  function events(map, cfg) {
    var outlines = L.layerGroup();
    cfg.shapes.forEach(function (shape) {
      L.geoJSON(shape.geometry, {
        interactive: false,
        style: {color: shape.colour, weight: 2.5, dashArray: "6 4", fillOpacity: 0.08}
      }).addTo(outlines);
    });
    outlines.addTo(map);
    var done = loadImages(cfg.icons).then(function (images) {
      return new GlyphLayer(cfg, images).addTo(map);
    });
    pending.push(done);
    return done;
  }

  // The admin-1 borders as the interactive map draws them (fetched from the renderer's
  // own server when the view is close enough), waited for before the picture is taken.
  function admin1(map, cfg) {
    var layer = global.BriefingMap.admin1(map, cfg).addTo(map);
    pending.push(layer.ready);
    return layer;
  }

  // Text across the foot of the picture: sources, licences and when it was made.
  function caption(map, lines) {
    var box = L.DomUtil.create("div", "briefing-caption", map.getContainer());
    lines.forEach(function (line) {
      L.DomUtil.create("div", "", box).textContent = line;
    });
    return box;
  }

  function message(map, text) {
    var box = L.DomUtil.create("div", "briefing-message", map.getContainer());
    box.textContent = text;
    return box;
  }

  // Two frames after the last drawing call the pixels are on screen.
  function ready() {
    Promise.all(pending).then(function () {
      global.requestAnimationFrame(function () {
        global.requestAnimationFrame(function () {
          document.documentElement.setAttribute("data-briefing-ready", "1");
        });
      });
    }, function (err) {
      document.documentElement.setAttribute("data-briefing-ready", "error");
      document.documentElement.setAttribute("data-briefing-error", String(err));
    });
  }

  global.BriefingSnapshot = {admin1: admin1, clusters: clusters, events: events,
                             caption: caption,
                             message: message, ready: ready};
}(window));
