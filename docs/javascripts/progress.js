/*
 * The reader's progress through the roadmap, kept in this browser's localStorage: no account,
 * no server, works offline. The build (hooks/progress.py) writes into each page what it needs:
 *   [data-roadmap-toggle="<lesson id>"]  the "Mark as done" button of a lesson page
 *   [data-roadmap-stage] with data-roadmap-lessons="<id> <id> ..."  a stage's progress row
 *   a[data-roadmap-lesson="<lesson id>"]  a link to a lesson, which gets a done-mark
 *   [data-roadmap-export], [data-roadmap-import]  export to / import from a JSON file
 * Stored: {"<lesson id>": "<date marked done>", ...} under one key.
 */
(function () {
  "use strict";

  var KEY = "dl-roadmap.progress";
  var FORMAT = "dl-roadmap-progress";
  var has = function (object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  };

  function load() {
    try {
      var done = JSON.parse(localStorage.getItem(KEY) || "{}");
      return done && typeof done === "object" && !Array.isArray(done) ? done : {};
    } catch (error) {
      return {};
    }
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
    file.text().then(function (text) {
      var data = JSON.parse(text);
      if (!data || data.format !== FORMAT || !data.done || typeof data.done !== "object") {
        throw new Error("not a progress file");
      }
      var done = load();
      var count = 0;
      Object.keys(data.done).forEach(function (id) {
        if (typeof id === "string" && /^[\w.-]+(\/[\w.-]+)+$/.test(id)) {
          done[id] = String(data.done[id]);
          count += 1;
        }
      });
      save(done);
      render();
      say("Imported " + count + " done lessons from " + file.name + ".");
    }).catch(function () {
      say(file.name + " is not a progress file exported from this site; nothing changed.");
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

  // The page as loaded (this script runs at the end of <body>), and then each page that Material's
  // instant navigation swaps in without a reload: document$ emits on each (not from file: pages).
  render();
  if (window.document$) window.document$.subscribe(render);
})();
