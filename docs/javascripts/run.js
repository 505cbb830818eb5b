/*
 * Run, edit and check a NumPy lesson's code in the page, with Python running in this browser.
 *
 * The build (hooks/in_browser.py) marks each executed block of a lesson whose code needs no
 * PyTorch with an anchor just before its code, <div class="run-anchor" data-run-block="N"
 * data-run-sections="..."> (an exercise's also names the exercise and the names its check uses),
 * writes its Run bar after the code and each exercise's answer box before its folded solution
 * (this script only wires them up), and writes run/<lesson>.json: each section's code in the
 * file's order, and each exercise's asserts. progress.js loads this script on those pages.
 * Nothing more is loaded until the reader presses Run or Check for the first time: then it
 * fetches that file, and a Web Worker (run-worker.js) loads Pyodide from this site.
 *
 * Run runs the block after the code above it that it builds on (the lesson's earlier sections,
 * as the page shows them now, the reader's edits included), in a fresh namespace, and shows what
 * it printed and drew where the build's output was. Edit turns the code into a text area; Reset
 * brings back the code and the build's output. Stop, or the time limit, ends a run that does not
 * end. An exercise whose folded solution asserts something gets a box for the reader's answer:
 * Check runs the solution's asserts on it and says which one fails, and why.
 */
(function () {
  "use strict";

  var LIMIT_MS = 30000;
  var EXERCISES_KEY = "dl-roadmap.exercises";
  var script = document.currentScript;
  var base = new URL(".", new URL("..", script.src)).href; // the site's root
  var worker = null;
  var booting = null;
  var versions = null;
  var pending = {};
  var counter = 0;

  function limit() {
    return window.roadmapRunLimitMs || LIMIT_MS;
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    if (text) node.textContent = text;
    return node;
  }

  // --- the worker ----------------------------------------------------------------------------------

  function boot(packages, say) {
    if (booting) return booting;
    say("Loading Python into this page (about 27 MB, the first time only)…");
    worker = new Worker(base + "javascripts/run-worker.js");
    booting = new Promise(function (resolve, reject) {
      worker.onmessage = function (event) {
        var message = event.data;
        if (message.ready) {
          versions = message.ready;
          document.documentElement.dataset.runPython = versions.python;
          document.documentElement.dataset.runNumpy = versions.numpy;
          resolve(versions);
        } else if (message.failed) {
          reject(new Error(message.failed));
        } else if (pending[message.id] && message.broken) {
          pending[message.id].reject(new Error(message.broken));
          delete pending[message.id];
        } else if (pending[message.id]) {
          pending[message.id].resolve(message.result);
          delete pending[message.id];
        }
      };
      worker.onerror = function (event) {
        reject(new Error(event.message || "the worker failed"));
      };
    });
    worker.postMessage({ init: { base: base, packages: packages } });
    return booting;
  }

  function stop() {
    if (worker) worker.terminate();
    worker = null;
    booting = null;
    Object.keys(pending).forEach(function (id) {
      pending[id].reject(new Error("stopped"));
      delete pending[id];
    });
  }

  function execute(manifest, request, say) {
    return boot(manifest.packages, say).then(function () {
      counter += 1;
      var id = counter;
      say("Running…");
      return new Promise(function (resolve, reject) {
        var timer = setTimeout(function () {
          delete pending[id];
          stop();
          reject(new Error("limit"));
        }, limit());
        pending[id] = {
          resolve: function (result) {
            clearTimeout(timer);
            resolve(result);
          },
          reject: function (error) {
            clearTimeout(timer);
            reject(error);
          },
        };
        worker.postMessage({ id: id, before: request.before, code: request.code, asserts: request.asserts });
      });
    });
  }

  // --- what a block needs ----------------------------------------------------------------------------

  // The code of every section before `first` in the file, as the page shows it now: a block the
  // reader edited stands for its sections when they all come before `first`.
  function before(manifest, blocks, first) {
    var index = manifest.order.indexOf(first);
    var done = {};
    var pieces = [];
    manifest.order.slice(0, index).forEach(function (section) {
      if (done[section]) return;
      var owner = blocks.find(function (block) {
        return block.edited() && block.sections.indexOf(section) >= 0;
      });
      var whole =
        owner &&
        owner.sections.every(function (s) {
          return manifest.order.indexOf(s) < index;
        });
      if (whole) {
        owner.sections.forEach(function (s) {
          done[s] = true;
        });
        pieces.push(owner.code());
      } else {
        done[section] = true;
        pieces.push(manifest.code[section]);
      }
    });
    return pieces;
  }

  function figureOf(svg, alt) {
    var colour = getComputedStyle(document.querySelector("article") || document.body).color;
    var figure = el("figure", { class: "snippet-figure run-figure" });
    var image = el("img", {
      alt: alt,
      src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg.split("currentColor").join(colour)),
    });
    figure.appendChild(image);
    return figure;
  }

  function outputBlock(text, label) {
    var block = el("div", { class: "language-text highlight run-output", "data-search-exclude": "" });
    block.appendChild(el("span", { class: "filename" }, label));
    var pre = el("pre");
    pre.appendChild(el("code", {}, text));
    block.appendChild(pre);
    return block;
  }

  // --- a runnable block ------------------------------------------------------------------------------

  function Block(anchor, blocks, manifest) {
    var self = this;
    this.sections = anchor.dataset.runSections.split(" ");
    var code = anchor.nextElementSibling;
    var bar = code.nextElementSibling; // the build wrote the Run bar after the code
    var original = code.querySelector("code").textContent.replace(/\n$/, "");
    // The build's output and figures follow the bar: keep them, to bring them back on Reset.
    var shown = [];
    for (var next = bar.nextElementSibling; next; next = next.nextElementSibling) {
      if (next.matches(".snippet-figure") || next.querySelector(":scope > .filename")) shown.push(next);
      else break;
    }
    var editor = null;
    var made = [];
    var run = bar.querySelector("[data-run=run]");
    var edit = bar.querySelector("[data-run=edit]");
    var reset = bar.querySelector("[data-run=reset]");
    var halt = bar.querySelector("[data-run=stop]");
    var status = bar.querySelector(".run-status");

    this.edited = function () {
      return editor !== null && editor.value !== original;
    };
    this.code = function () {
      return editor ? editor.value : original;
    };
    function say(text) {
      status.textContent = text;
    }
    function clear() {
      made.forEach(function (node) {
        node.remove();
      });
      made = [];
    }

    edit.addEventListener("click", function () {
      if (editor) return editor.focus();
      editor = el("textarea", {
        class: "run-editor run-block-editor",
        spellcheck: "false",
        "aria-label": "The code of this block: edit it, then press Run",
        rows: String(Math.min(30, original.split("\n").length + 1)),
      });
      editor.value = original;
      code.hidden = true;
      code.after(editor);
      reset.hidden = false;
      edit.hidden = true;
      editor.focus();
    });

    reset.addEventListener("click", function () {
      if (editor) editor.remove();
      editor = null;
      code.hidden = false;
      clear();
      shown.forEach(function (node) {
        node.hidden = false;
      });
      reset.hidden = true;
      edit.hidden = false;
      say("");
    });

    halt.addEventListener("click", function () {
      stop();
    });

    run.addEventListener("click", function () {
      run.disabled = true;
      halt.hidden = false;
      manifest()
        .then(function (loaded) {
          var request = { before: before(loaded, blocks, self.sections[0]), code: self.code() };
          return execute(loaded, request, say);
        })
        .then(function (result) {
          clear();
          shown.forEach(function (node) {
            node.hidden = true;
          });
          var anchor = bar;
          var text = (result.stdout || "").replace(/\s+$/, "");
          if (result.error) text += (text ? "\n" : "") + result.error.replace(/\s+$/, "");
          if (text) {
            made.push(outputBlock(text, result.error ? "Output of your run: an error" : "Output of your run"));
          }
          (result.figures || []).forEach(function (svg, number) {
            made.push(figureOf(svg, "Figure " + (number + 1) + " drawn by your run of this block"));
          });
          made.forEach(function (node) {
            anchor.after(node);
            anchor = node;
          });
          reset.hidden = false;
          say(result.error ? "Your run raised an error (below)." : "Ran in your browser.");
        })
        .catch(function (error) {
          say(
            error.message === "limit"
              ? "Stopped after " + limit() / 1000 + " s: the code ran too long (an endless loop?). Python restarts at the next run."
              : error.message === "stopped"
                ? "Stopped. Python restarts at the next run."
                : "Python could not run here: " + error.message,
          );
        })
        .finally(function () {
          run.disabled = false;
          halt.hidden = true;
        });
    });
  }

  // --- an exercise that checks itself ------------------------------------------------------------------

  function loadMarks() {
    try {
      return JSON.parse(localStorage.getItem(EXERCISES_KEY) || "{}") || {};
    } catch (error) {
      return {};
    }
  }

  function Exercise(anchor, blocks, manifest, lesson, details) {
    var name = anchor.dataset.runExercise;
    var id = lesson + "#" + name;
    var panel = details.previousElementSibling; // the build wrote the answer box before the solution
    var answer = panel.querySelector("textarea");
    var check = panel.querySelector("[data-run=check]");
    var result = panel.querySelector(".run-verdict");
    if (loadMarks()[id]) result.textContent = "✓ You solved this one (kept in this browser).";

    check.addEventListener("click", function () {
      check.disabled = true;
      var say = function (text) {
        result.textContent = text;
      };
      manifest()
        .then(function (loaded) {
          var spec = loaded.exercises[name];
          var request = { before: before(loaded, blocks, spec.first), code: answer.value, asserts: spec.asserts };
          return execute(loaded, request, say);
        })
        .then(function (outcome) {
          panel.classList.remove("run-right", "run-wrong");
          if (outcome.error) {
            panel.classList.add("run-wrong");
            result.textContent = "Not yet: your code raised an error.\n" + outcome.error;
          } else if (outcome.check && outcome.check.passed) {
            panel.classList.add("run-right");
            result.textContent = "✓ Right: every check of the solution passes.";
            try {
              var marks = loadMarks();
              marks[id] = new Date().toISOString().slice(0, 10);
              localStorage.setItem(EXERCISES_KEY, JSON.stringify(marks));
            } catch (error) {
              /* storage blocked: the verdict still shows */
            }
          } else {
            panel.classList.add("run-wrong");
            result.textContent = "Not yet. " + outcome.check.failed;
          }
        })
        .catch(function (error) {
          result.textContent =
            error.message === "limit"
              ? "Stopped after " + limit() / 1000 + " s: the answer ran too long."
              : "Python could not run here: " + error.message;
        })
        .finally(function () {
          check.disabled = false;
        });
    });
  }

  // --- the page ----------------------------------------------------------------------------------------

  function setup() {
    var anchors = document.querySelectorAll(".run-anchor[data-run-block]");
    var page = document.querySelector("[data-run-manifest]");
    if (!anchors.length || !page || page.dataset.runReady) return;
    page.dataset.runReady = "1";
    var loading = null;
    var manifest = function () {
      loading =
        loading ||
        fetch(new URL(page.dataset.runManifest, document.baseURI)).then(function (answer) {
          if (!answer.ok) throw new Error("cannot load " + page.dataset.runManifest);
          return answer.json();
        });
      return loading;
    };
    var blocks = [];
    anchors.forEach(function (anchor) {
      blocks.push(new Block(anchor, blocks, manifest));
      var details = anchor.closest("details");
      if (anchor.dataset.runExercise && details) {
        new Exercise(anchor, blocks, manifest, page.dataset.runLesson, details);
      }
    });
  }

  // Loaded by progress.js, once the page is there. Material's document$ gives every
  // page shown (instant navigation included) from then on.
  function start() {
    if (window.document$) window.document$.subscribe(setup);
    else setup();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
