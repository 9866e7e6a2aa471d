// Starts GOV.UK Frontend's components. GOV.UK's page template marks the body with an inline script;
// the Content-Security-Policy allows no inline script, so this file does it. Module scripts run only in
// browsers that support modules, which is what `govuk-frontend-supported` stands for.
import { initAll } from './govuk-frontend.min.js';

document.body.classList.add('js-enabled', 'govuk-frontend-supported');
initAll();
