/* Kith's sign-in and two-factor pages: passkeys and printing backup codes.
 *
 * A file, never inline script, so a strict Content-Security-Policy can forbid inline code.
 * The browser's passkey calls go through webauthn-json, which allauth ships as a static file
 * (mfa/js/webauthn-json.js); the pages load it just before this one.
 */
(function () {
  'use strict'

  // Whether this browser can make and use passkeys at all (pages that only offer them do not
  // load webauthn-json; the pages that use them do).
  function passkeysWork () {
    return Boolean(window.PublicKeyCredential && window.isSecureContext)
  }

  function readData (id) {
    return JSON.parse(document.getElementById(id).textContent)
  }

  function showProblem (form) {
    const box = document.getElementById(form.dataset.problem)
    if (box) {
      box.hidden = false
      box.focus()
    }
  }

  // Make a passkey that can sign in on its own: kept on the device and unlocked by a
  // fingerprint, face or screen-lock PIN, which is what lets Kith count it as two-factor.
  function createPasskey (form) {
    const options = readData(form.dataset.options).creation_options
    const choice = options.publicKey.authenticatorSelection || {}
    choice.residentKey = 'required'
    choice.requireResidentKey = true
    choice.userVerification = 'required'
    options.publicKey.authenticatorSelection = choice
    return window.webauthnJSON.create(options)
  }

  async function usePasskey (form) {
    let options
    if (form.dataset.options) {
      options = readData(form.dataset.options).request_options
    } else {
      // Signing in: nobody is known yet, so ask the server for a fresh challenge.
      const response = await fetch(form.dataset.optionsUrl, {
        headers: { Accept: 'application/json' }, credentials: 'same-origin'
      })
      if (!response.ok) throw new Error('The server gave no passkey challenge')
      options = (await response.json()).request_options
    }
    return window.webauthnJSON.get(options)
  }

  function wire (form, ceremony) {
    form.addEventListener('submit', async function (event) {
      event.preventDefault()
      try {
        const credential = await ceremony(form)
        form.querySelector('input[name=credential]').value = JSON.stringify(credential)
        form.submit()
      } catch (error) {
        showProblem(form)
      }
    })
  }

  document.addEventListener('DOMContentLoaded', function () {
    const works = passkeysWork()
    document.querySelectorAll('[data-if-passkeys]').forEach(function (el) { el.hidden = !works })
    document.querySelectorAll('[data-unless-passkeys]').forEach(function (el) { el.hidden = works })
    document.querySelectorAll('form[data-passkey-create]').forEach(function (form) { wire(form, createPasskey) })
    document.querySelectorAll('form[data-passkey-use]').forEach(function (form) { wire(form, usePasskey) })
    document.querySelectorAll('[data-print]').forEach(function (button) {
      button.hidden = false
      button.addEventListener('click', function () { window.print() })
    })
  })
})()
