#!/usr/bin/env bash
# Re-create book/_static/vendor/ from the npm registry: the JavaScript the book's pages load, so that they
# render offline (CI has no internet; nor may a reader). Only the files a page actually loads are kept.
# Usage: .ci/vendor_assets.sh   (needs npm; versions are pinned here and recorded in the README there)
set -euo pipefail
cd "$(dirname "$0")/.."
MATHJAX=3.2.2
HTML_MANAGER=1.0.15   # @jupyter-widgets/html-manager 1.0.x renders ipywidgets 8 state
FONT_AWESOME=4.7.0    # the icons of matplotlib's JavaScript animation player (it links FA 4 from a CDN)
dest=book/_static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "mathjax@$MATHJAX" "@jupyter-widgets/html-manager@$HTML_MANAGER" \
  "font-awesome@$FONT_AWESOME" >/dev/null)
mkdir -p "$tmp/mathjax" "$tmp/widgets"
tar xzf "$tmp/mathjax-$MATHJAX.tgz" -C "$tmp/mathjax"
tar xzf "$tmp/jupyter-widgets-html-manager-$HTML_MANAGER.tgz" -C "$tmp/widgets"

rm -rf "$dest/mathjax" "$dest/jupyter-widgets" "$dest/font-awesome"
# MathJax: the TeX-to-CommonHTML bundle, its woff-v2 fonts (loaded relative to the script), and the TeX
# extensions that its autoload component fetches when a page uses e.g. \boldsymbol or \cancel.
src="$tmp/mathjax/package"
mkdir -p "$dest/mathjax/output/chtml/fonts" "$dest/mathjax/input/tex/extensions"
cp "$src/es5/tex-chtml.js" "$src/LICENSE" "$dest/mathjax/"
cp -r "$src/es5/output/chtml/fonts/woff-v2" "$dest/mathjax/output/chtml/fonts/"
for ext in "$src"/es5/input/tex/extensions/*.js; do
  case "$(basename "$ext")" in all-packages.js|mhchem.js|bussproofs.js) ;; *) cp "$ext" "$dest/mathjax/input/tex/extensions/";; esac
done
# ipywidgets: the standalone embedder (standard widgets, no RequireJS) and the woff2 icon fonts it references
# (resolved relative to the script).
src="$tmp/widgets/package"
mkdir -p "$dest/jupyter-widgets"
cp "$src/dist/embed.js" "$src/dist/embed.js.LICENSE.txt" "$src"/dist/*.woff2 "$dest/jupyter-widgets/"
cp "$src/package.json" "$dest/jupyter-widgets/package.json"
# Font Awesome 4: the stylesheet and the webfonts a current browser picks (woff2, woff as fallback).
mkdir -p "$tmp/fa" "$dest/font-awesome/css" "$dest/font-awesome/fonts"
tar xzf "$tmp/font-awesome-$FONT_AWESOME.tgz" -C "$tmp/fa"
cp "$tmp/fa/package/css/font-awesome.min.css" "$dest/font-awesome/css/"
cp "$tmp/fa/package/fonts/fontawesome-webfont.woff2" "$tmp/fa/package/fonts/fontawesome-webfont.woff" "$dest/font-awesome/fonts/"
cp "$tmp/fa/package/README.md" "$dest/font-awesome/README.md"
du -sh "$dest"
