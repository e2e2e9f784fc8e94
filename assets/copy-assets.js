// Copies the GOV.UK Frontend script and the images the styles refer to into
// static/build/. The crown, the crest and the GDS Transport font are left out:
// they are for GOV.UK services only.
const fs = require("node:fs");
const path = require("node:path");

const source = path.join(__dirname, "..", "node_modules", "govuk-frontend", "dist", "govuk");
const target = path.join(__dirname, "..", "static", "build");
fs.mkdirSync(path.join(target, "images"), { recursive: true });
fs.copyFileSync(
  path.join(source, "govuk-frontend.min.js"),
  path.join(target, "govuk-frontend.min.js"),
);
const unwanted = /crest|crown|govuk-icon|opengraph|favicon/;
for (const name of fs.readdirSync(path.join(source, "assets", "images"))) {
  if (!unwanted.test(name)) {
    fs.copyFileSync(
      path.join(source, "assets", "images", name),
      path.join(target, "images", name),
    );
  }
}
