/**
 * The one script of the pages (served as /web/passkeys.js, after @simplewebauthn/browser's bundle
 * as /web/webauthn.js): passkey ceremonies need the browser's WebAuthn API, so they cannot be plain
 * forms. It talks to the page routes only (never the API: the tokens stay on the server), sends
 * the session's anti-forgery token in a header, and shows the passkey controls only where the
 * browser supports them.
 */
export const passkeysScript = `'use strict';
(function () {
  var lib = window.SimpleWebAuthnBrowser;
  if (!lib || !lib.browserSupportsWebAuthn()) return;
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var errorBox = document.querySelector('[data-passkey-error]');
  function post(path, body) {
    return fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
      body: JSON.stringify(body || {})
    }).then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) throw new Error(json.error || json.detail || 'The passkey step failed.');
        return json;
      });
    });
  }
  function fail(error) {
    if (errorBox) errorBox.textContent = error && error.name === 'NotAllowedError' ? 'The passkey prompt was closed or timed out.' : String(error.message || error);
  }
  document.querySelectorAll('[data-passkey-area]').forEach(function (area) { area.hidden = false; });
  document.querySelectorAll('button[data-passkey]').forEach(function (button) {
    button.addEventListener('click', function () {
      post('/login/passkey/options')
        .then(function (options) { return lib.startAuthentication({ optionsJSON: options }); })
        .then(function (credential) { return post('/login/passkey', { credential: credential }); })
        .then(function (done) { window.location.assign(done.location); })
        .catch(fail);
    });
  });
  var register = document.querySelector('form[data-passkey-register]');
  if (register) {
    register.hidden = false;
    register.addEventListener('submit', function (event) {
      event.preventDefault();
      var name = register.querySelector('input[name="name"]').value;
      post('/account/passkeys/options')
        .then(function (options) { return lib.startRegistration({ optionsJSON: options }); })
        .then(function (credential) { return post('/account/passkeys', { credential: credential, name: name }); })
        .then(function (done) { window.location.assign(done.location); })
        .catch(fail);
    });
  }
})();
`;
