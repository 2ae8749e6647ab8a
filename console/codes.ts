import { defineCodes } from '../core/errors';

/** Error codes of the operations console (its own refusals; the API's codes pass through). */
export const CONSOLE_CODES = defineCodes({
  CD_E_CONSOLE_ORIGIN_REFUSED: {
    meaning:
      'A form was sent to the console from another origin (its Origin or Referer header names another site, or neither is present): a cross-site request is refused before it reaches the admin API.',
    action:
      'Use the console from its own address (the one `crossdock start` prints); behind a proxy, keep the Host header the browser sent.',
    retriable: false,
  },
  CD_E_CONSOLE_FORM_INVALID: {
    meaning:
      'A console form arrived without a field it needs, or with a value of the wrong form; the page names the field.',
    action: 'Fill in the field the page names and send the form again.',
    retriable: false,
  },
  CD_E_CONSOLE_ASSET_MISSING: {
    meaning:
      'A file the console serves (its stylesheet or script under console/assets) is missing from the installed package.',
    action: 'Reinstall crossdock: the console works only with every asset of the package present.',
    retriable: false,
  },
});
