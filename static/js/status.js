// What the page says about its work: the status line, the notice box, and the server's
// field errors placed next to the controls they name.

import { h } from "./controls.js";
import { t } from "./i18n.js";
import { $, app } from "./state.js";

let statusKey = "";
let statusVars = {};
/** The status line (its key kept for a change of language); body[data-busy] while computing. */
export function setStatus(key, extra = "", vars = {}) {
  statusKey = key;
  statusVars = vars;
  const text = t(key, vars) + (extra ? ` ${extra}` : "");
  const busy = key === "status.computing" ? "1" : "0";
  // Only what changes is written: a drag sets the same status at every move, and each write
  // would lay the header out again.
  if ($("status").textContent !== text) {
    $("status").textContent = text;
    $("status").title = text; // whole when the line cuts it
  }
  if (document.body.dataset.busy !== busy) document.body.dataset.busy = busy;
}

/** The status line again in the current language. */
export function renderStatus() {
  if (statusKey) setStatus(statusKey, "", statusVars);
}

/** The notice box with a title and one line per item (field: message). */
export function showNotice(titleKey, items) {
  if (!items.length) return;
  $("notice-title").textContent = t(titleKey);
  const list = $("notice-list");
  list.replaceChildren(...items.map((w) => h("li", {},
    w.field ? h("code", { text: w.field }) : null, w.field ? ": " : "", w.msg)));
  $("notice").hidden = false;
}

/** Remove the server's errors that showFieldErrors put next to controls. */
export function clearFieldErrors() {
  for (const el of app.fieldErrors) {
    el.classList.remove("invalid");
    const err = el.querySelector(":scope > .error, :scope > fieldset > .error, .error");
    if (err && err.dataset.server === "1") {
      err.textContent = "";
      delete err.dataset.server;
    }
  }
  app.fieldErrors = [];
  const fe = $("formula-error");
  if (fe.dataset.server === "1") {
    fe.textContent = "";
    delete fe.dataset.server;
  }
}

/** Put each server error next to its control (longest matching data-field), else in the notice. */
export function showFieldErrors(details) {
  const rest = [];
  for (const d of details) {
    let field = d.field || "";
    let el = null;
    while (field && !el) {
      el = document.querySelector(`[data-field="${CSS.escape(field)}"]`);
      if (!el) field = field.replace(/(\.[^.[\]]*|\[\d+\])$/, "") === field ? "" : field.replace(/(\.[^.[\]]*|\[\d+\])$/, "");
    }
    const err = el && (el.querySelector(":scope > .error") || el.querySelector(".error"));
    if (err && el.offsetParent !== null) {
      err.textContent = d.field === field ? d.msg : `${d.field}: ${d.msg}`;
      err.dataset.server = "1";
      el.classList.add("invalid");
      app.fieldErrors.push(el);
    } else {
      rest.push(d);
    }
  }
  if (rest.length) showNotice("notice.serverError", rest);
}
