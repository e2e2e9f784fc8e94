// Marks the page as able to run GOV.UK Frontend's scripts (progressive enhancement).
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
