// Upload an import file with a progress bar, then show that the rows are being checked.
// Without JavaScript the form posts as usual.
document.querySelectorAll("form[data-import-form]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (!window.XMLHttpRequest || !window.FormData) return;
    event.preventDefault();
    var box = form.querySelector(".import-progress");
    var bar = box.querySelector("progress");
    box.hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.upload.onprogress = function (progress) {
      if (progress.lengthComputable) bar.value = (100 * progress.loaded) / progress.total;
    };
    request.upload.onload = function () {
      bar.removeAttribute("value");
      box.querySelector("[data-uploading]").hidden = true;
      box.querySelector("[data-checking]").hidden = false;
    };
    request.onload = function () {
      document.open();
      document.write(request.responseText);
      document.close();
      window.history.replaceState(null, "", request.responseURL || window.location.href);
    };
    request.onerror = function () {
      form.submit();
    };
    request.send(new FormData(form));
  });
});
