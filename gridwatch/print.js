// Printing: scale each drawn element (chart, map, grid) that is wider than the paper down to
// the paper's width. Charts are drawn at the screen's width by script; the browser does not
// draw them again for paper, and would cut them at the paper's edge. Injected by
// gridwatch.ui.page_style; no less-than sign may appear here (the HTML sanitiser drops it).
(function () {
    if (window.gridwatchPrintFit) {
        return;
    }
    window.gridwatchPrintFit = true;
    // A4 portrait less the 12 mm margins of app.css's @page rule, in CSS pixels.
    var PAPER = (210 - 2 * 12) * 96 / 25.4;
    var DRAWN = '[data-testid="stPlotlyChart"], [data-testid="stDeckGlJsonChart"], [data-testid="stDataFrame"]';
    // The element's whole container is scaled: its frame has the drawn height and would keep it.
    function box(el) {
        return el.closest('[data-testid="stElementContainer"]') || el;
    }
    function unfit() {
        document.querySelectorAll(DRAWN).forEach(function (el) { box(el).style.zoom = ""; });
    }
    function fit() {
        unfit();
        document.querySelectorAll(DRAWN).forEach(function (el) {
            var width = el.getBoundingClientRect().width;
            if (width > PAPER) {
                box(el).style.zoom = String(PAPER / width);
            }
        });
    }
    // Only around printing itself: a chart scaled while the page stays on screen is drawn again
    // for its new box, and scaling that again would shrink it further.
    window.addEventListener("beforeprint", fit);
    window.addEventListener("afterprint", unfit);
})();
