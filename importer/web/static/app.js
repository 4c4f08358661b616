// leadimport upload page: drag-and-drop upload with progress, live progress polling, copy buttons.
// Everything works without this file too (plain forms and a refresh while work runs).
"use strict";
(function () {
  const csrf = () => (document.querySelector('meta[name="csrftoken"]') || {}).content || "";

  function upload(form, file) {
    if (form.dataset.uploading) return;  // a double-click, or a drop while a file is on its way: one upload
    form.dataset.uploading = "1";
    const status = document.getElementById("upload-status");
    const bar = document.getElementById("upload-progress");
    const data = new FormData();
    data.append("csrftoken", csrf());
    data.append("file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrf());
    bar.hidden = false;
    status.textContent = "Uploading " + file.name + "…";
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
    xhr.onload = () => {
      let answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = { error: xhr.responseText || ("HTTP " + xhr.status) }; }
      if (answer.next) { status.textContent = "Uploaded; reading it…"; window.location = answer.next; return; }
      bar.hidden = true;
      status.textContent = "";  // not "Uploading …" beside the refusal
      delete form.dataset.uploading;
      showError(form, answer.error || ("The upload failed (HTTP " + xhr.status + ")."));
    };
    xhr.onerror = () => {
      bar.hidden = true;
      status.textContent = "";
      delete form.dataset.uploading;
      showError(form, "The upload failed: the server could not be reached.");
    };
    xhr.send(data);
  }

  function showError(form, message) {
    let box = document.getElementById("upload-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "upload-error";
      box.className = "error";
      box.setAttribute("role", "alert");
      form.parentNode.insertBefore(box, form);
    }
    box.textContent = message;
  }

  const form = document.getElementById("upload-form");
  if (form) {
    const drop = document.getElementById("drop");
    const input = document.getElementById("file");
    // back to this page (kept by the browser as it was left): another file may be uploaded
    window.addEventListener("pageshow", () => { delete form.dataset.uploading; });
    form.addEventListener("submit", (e) => {
      if (input.files && input.files.length) { e.preventDefault(); upload(form, input.files[0]); }
    });
    ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.add("over"); }));
    ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.remove("over"); }));
    drop.addEventListener("drop", (e) => {
      const files = e.dataTransfer ? e.dataTransfer.files : [];
      if (files.length > 1) {  // taking the first silently would leave the person believing all were in
        showError(form, "One file at a time, please: " + files.length + " files were dropped, so none was uploaded. " +
          "Drop one, and the next once it is done.");
        return;
      }
      if (files.length) upload(form, files[0]);
    });
  }

  document.querySelectorAll("[data-poll]").forEach((box) => {
    const stage = box.querySelector(".stage"), count = box.querySelector(".count"), bar = box.querySelector("progress");
    const tick = () => {
      fetch(box.dataset.poll, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => r.json())
        .then((s) => {
          stage.textContent = s.stage || "";
          count.textContent = s.count || "";
          if (s.percent !== null && s.percent !== undefined) bar.value = s.percent; else bar.removeAttribute("value");
          if (!s.running) { window.location = box.dataset.done; return; }
          setTimeout(tick, 700);
        })
        .catch(() => setTimeout(tick, 2000));
    };
    setTimeout(tick, 300);
  });

  // a form that came back with a problem: the focus goes to the message, so it is read out and Tab goes on from it
  const problem = document.querySelector("main .error[role=alert]");
  if (problem) {
    problem.tabIndex = -1;
    problem.focus();
  }

  document.querySelectorAll("button.copy").forEach((button) => {
    button.addEventListener("click", () => {
      const source = document.querySelector(button.dataset.copy);
      if (source && navigator.clipboard) navigator.clipboard.writeText(source.textContent.trim()).then(() => { button.textContent = "Copied"; });
    });
  });
})();
