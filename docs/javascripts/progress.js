/*
 * The reader's progress through the roadmap, kept in this browser's localStorage: no account,
 * no server, works offline. The build (hooks/progress.py) writes into each page what it needs:
 *   [data-roadmap-toggle="<lesson id>"]  the "Mark as done" button of a lesson page
 *   [data-roadmap-stage] with data-roadmap-lessons="<id> <id> ..."  a stage's progress row
 *   a[data-roadmap-lesson="<lesson id>"]  a link to a lesson, which gets a done-mark
 *   [data-roadmap-export], [data-roadmap-import]  export to / import from a JSON file
 * Stored: {"<lesson id>": "<date marked done>", ...} under one key.
 * window.roadmapLessons (javascripts/lessons.js, written by the build from lessons.yml) lists the
 * current lesson ids and, for each old id of a renamed or moved lesson, its current id: a stored
 * mark under an old id moves to the new one, and an import keeps only ids the site knows.
 */
(function () {
  "use strict";

  var KEY = "dl-roadmap.progress";
  var FORMAT = "dl-roadmap-progress";
  var MAX_IMPORT_BYTES = 100 * 1024;
  var known = window.roadmapLessons || { lessons: [], aliases: {} };
  var has = function (object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  };

  // The current id of a lesson id (the build resolved each old id to its current lesson, however
  // many renames ago); null when the site does not know it.
  function current(id) {
    if (has(known.aliases, id)) id = known.aliases[id];
    return known.lessons.indexOf(id) >= 0 ? id : null;
  }

  // Whether this browser lets the site keep anything (blocked cookies or storage: it throws).
  function storageWorks() {
    try {
      localStorage.setItem(KEY + ".probe", "1");
      localStorage.removeItem(KEY + ".probe");
      return true;
    } catch (error) {
      return false;
    }
  }

  function load() {
    var done;
    try {
      done = JSON.parse(localStorage.getItem(KEY) || "{}");
    } catch (error) {
      return {};
    }
    if (!done || typeof done !== "object" || Array.isArray(done)) return {};
    var moved = false;
    Object.keys(done).forEach(function (id) {
      var now = has(known.aliases, id) ? current(id) : id;
      if (now !== id) {
        if (now && !has(done, now)) done[now] = done[id];
        delete done[id];
        moved = true;
      }
    });
    if (moved) save(done);
    return done;
  }

  function save(done) {
    localStorage.setItem(KEY, JSON.stringify(done));
  }

  function say(message) {
    document.querySelectorAll("[data-roadmap-status]").forEach(function (status) {
      status.textContent = message;
    });
  }

  function render() {
    if (!storageWorks()) {
      document.querySelectorAll("[data-roadmap-blocked]").forEach(function (note) {
        note.hidden = false;
      });
      return; // the buttons and panels stay hidden: nothing could be kept
    }
    var done = load();
    document.querySelectorAll("[data-roadmap-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(has(done, button.dataset.roadmapToggle)));
      button.hidden = false;
    });
    document.querySelectorAll("[data-roadmap-stage]").forEach(function (row) {
      var ids = row.dataset.roadmapLessons.split(" ").filter(Boolean);
      var count = ids.filter(function (id) { return has(done, id); }).length;
      var bar = row.querySelector("progress");
      bar.max = Math.max(ids.length, 1);
      bar.value = count;
      row.querySelector(".roadmap-progress__count").textContent =
        count + " of " + ids.length + " lessons done";
      row.classList.toggle("roadmap-progress__stage--done", ids.length > 0 && count === ids.length);
    });
    document.querySelectorAll("[data-roadmap-progress]").forEach(function (panel) {
      panel.hidden = false;
    });
    document.querySelectorAll(".md-content a[data-roadmap-lesson]").forEach(function (link) {
      var mark = link.querySelector(".roadmap-mark");
      if (has(done, link.dataset.roadmapLesson) && !mark) {
        mark = document.createElement("span");
        mark.className = "roadmap-mark";
        mark.innerHTML = '<span aria-hidden="true">\u2713</span><span class="visually-hidden"> (done)</span>';
        link.appendChild(mark);
      } else if (!has(done, link.dataset.roadmapLesson) && mark) {
        mark.remove();
      }
    });
  }

  function toggle(button) {
    var done = load();
    var id = button.dataset.roadmapToggle;
    if (has(done, id)) {
      delete done[id];
    } else {
      done[id] = new Date().toISOString().slice(0, 10);
    }
    save(done);
    render();
  }

  function exportProgress() {
    var done = load();
    var data = { format: FORMAT, version: 1, exported: new Date().toISOString(), done: done };
    var blob = new Blob([JSON.stringify(data, null, 2) + "\n"], { type: "application/json" });
    var link = document.createElement("a"); // never added to the page: instant navigation ignores it
    link.href = URL.createObjectURL(blob);
    link.download = "roadmap-progress.json";
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
    say("Saved " + Object.keys(done).length + " done lessons to roadmap-progress.json.");
  }

  function importProgress(file) {
    if (file.size > MAX_IMPORT_BYTES) {
      say(file.name + " is " + Math.ceil(file.size / 1024) + " KB, more than a progress file " +
        "can be (" + MAX_IMPORT_BYTES / 1024 + " KB); nothing changed.");
      return;
    }
    file.text().then(function (text) {
      var data;
      try {
        data = JSON.parse(text);
      } catch (error) {
        say(file.name + " is not JSON (" + error.message + "); nothing changed.");
        return;
      }
      if (!data || data.format !== FORMAT || !data.done || typeof data.done !== "object" ||
          Array.isArray(data.done)) {
        say(file.name + ' is not a progress file exported from this site (it needs "format": "' +
          FORMAT + '" and a "done" object); nothing changed.');
        return;
      }
      var done = load();
      var count = 0;
      var unknown = [];
      Object.keys(data.done).forEach(function (id) {
        var now = current(id);
        if (now) {
          done[now] = String(data.done[id]).slice(0, 32);
          count += 1;
        } else {
          unknown.push(id);
        }
      });
      save(done);
      render();
      say("Imported " + count + " done lessons from " + file.name + "." + (unknown.length
        ? " Ignored " + unknown.length + " that this site has no lesson for: " +
          unknown.slice(0, 5).join(", ") + (unknown.length > 5 ? ", ..." : "") + "."
        : ""));
    }).catch(function () {
      say(file.name + " could not be read; nothing changed.");
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-roadmap-toggle], [data-roadmap-export], [data-roadmap-import]");
    if (!target) return;
    if (target.hasAttribute("data-roadmap-toggle")) {
      toggle(target);
    } else if (target.hasAttribute("data-roadmap-export")) {
      exportProgress();
    } else {
      var input = target.parentNode.querySelector("[data-roadmap-import-file]");
      input.value = "";
      input.click();
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-roadmap-import-file]") && event.target.files.length) {
      importProgress(event.target.files[0]);
    }
  });

  // Another tab changed the progress.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) render();
  });

  // The page as loaded (this script is deferred: it runs once the page is parsed), and then each page that Material's
  // instant navigation swaps in without a reload: document$ emits on each (not from file: pages).
  render();
  if (window.document$) window.document$.subscribe(render);
})();

/*
 * Also here, to cost no request of its own on every page (one more script measured 1 to 2
 * points of Lighthouse's mobile score): on a page with Run buttons (hooks/in_browser.py marks
 * its <article> with data-run-manifest), load run.js, the NumPy lessons' Run buttons. On every
 * page shown, instant navigation included: Material runs no script of a page it swaps in.
 */
(function () {
  "use strict";

  var here = document.currentScript.src;

  function loadRunButtons() {
    if (window.roadmapRunLoading || !document.querySelector("[data-run-manifest]")) return;
    window.roadmapRunLoading = true;
    var run = document.createElement("script");
    run.src = new URL("run.js", here).href;
    document.head.appendChild(run);
  }

  if (window.document$) window.document$.subscribe(loadRunButtons);
  else loadRunButtons();
})();
