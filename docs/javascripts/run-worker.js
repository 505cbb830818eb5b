/*
 * The Python of the Run buttons (docs/javascripts/run.js), in a Web Worker so that the page never
 * freezes: Pyodide, served by this site itself (pyodide/, set up by hooks/pyodide_files.py), with
 * the packages the lesson needs, and the runner hooks/browser_runner.py (copied into run/ by the
 * build). Messages in: {init: {base, packages}} once, then {id, before, code, asserts}; out:
 * {ready: {python, numpy}} or {failed}, then {id, result} for each run, or {id, broken} if the
 * runner itself failed.
 */
/* global importScripts, loadPyodide */
"use strict";

var pyodide = null;
var runner = null;

async function start(base, packages) {
  importScripts(base + "pyodide/pyodide.js");
  pyodide = await loadPyodide({ indexURL: base + "pyodide/" });
  await pyodide.loadPackage(packages, { messageCallback: function () {} });
  for (const name of ["figure_style.py", "browser_runner.py"]) {
    const answer = await fetch(base + "run/" + name);
    if (!answer.ok) throw new Error("cannot load run/" + name);
    pyodide.FS.writeFile("/home/pyodide/" + name, await answer.text());
  }
  pyodide.runPython("import sys; sys.path.insert(0, '/home/pyodide')");
  runner = pyodide.pyimport("browser_runner");
  return runner.versions().toJs({ dict_converter: Object.fromEntries });
}

var ready = null;

self.onmessage = async function (event) {
  const message = event.data;
  if (message.init) {
    ready = start(message.init.base, message.init.packages);
    try {
      self.postMessage({ ready: await ready });
    } catch (error) {
      self.postMessage({ failed: String(error) });
    }
    return;
  }
  try {
    await ready;
    const result = runner.run(
      pyodide.toPy(message.before),
      message.code,
      message.asserts ? pyodide.toPy(message.asserts) : null,
    );
    const answer = result.toJs({ dict_converter: Object.fromEntries });
    result.destroy();
    self.postMessage({ id: message.id, result: answer });
  } catch (error) {
    // the runner itself failed (not the reader's code, whose errors it returns): say so
    // instead of leaving the page waiting for its time limit
    self.postMessage({ id: message.id, broken: String(error) });
  }
};
