// Central's console: the little a page needs beyond HTML (no inline script: the CSP forbids it).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A filter <select data-autosubmit> applies as soon as it changes.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
  // The first field with an error gets the focus.
  const error = document.querySelector(".field-error");
  const field = error && error.previousElementSibling;
  if (field && field.focus) field.focus();
});
