// The dashboard's only script, served from /dashboard/assets/copy.js (CSP script-src 'self'):
// buttons with data-copy="<element id>" copy that element's text. Without it the token stays
// selectable on the page.
export const COPY_JS = `
document.querySelectorAll('button[data-copy]').forEach(function (button) {
  button.hidden = false;
  button.addEventListener('click', function () {
    var source = document.getElementById(button.getAttribute('data-copy'));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var status = document.getElementById(button.getAttribute('aria-describedby'));
      if (status) status.textContent = 'Copied to the clipboard.';
    });
  });
});
`;
