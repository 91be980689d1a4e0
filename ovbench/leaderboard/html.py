"""A self-contained HTML leaderboard page: sortable table plus a seen/rare/unseen bar chart.

Everything is inline (CSS, a few lines of JavaScript, an SVG chart drawn here in Python), so
the page works offline and renders the same bytes for the same table. Clicking a header sorts
the rows of each section by that column (again: reverse); a URL fragment such as
``#sort=unseen.top1.verb&desc`` (or ``&asc``) applies a sort when the page loads.

With intervals, a cell shows ``[lo, hi]`` in small grey text after its value (and in its
tooltip); a significance mark is a ``≈`` superscript whose tooltip says what it means. The
extra CSS is added only then, so a plain table renders the same bytes as before.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from .render import fraction_text
from .table import MISSING, TIE_MARK, Table

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#222;background:#fff}
h1{font-size:1.4em}table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
th.method,td.method{text-align:left}thead th{border-bottom:2px solid #444}
th.sortable{cursor:pointer;user-select:none}th.sortable:hover{background:#eef}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
tbody th{text-align:left;background:#f4f4f4;font-style:italic;font-weight:normal}
td.best{font-weight:bold}.reproduced td.method{color:#064}footer{color:#555;font-size:.85em}
svg text{font-family:inherit;font-size:11px}
"""

_JS = """
(function(){
  var table=document.getElementById('leaderboard');
  function val(td){var v=td.getAttribute('data-value');return v===''||v===null?null:parseFloat(v);}
  function sortBy(key,desc){
    var ths=table.querySelectorAll('thead th.sortable'),col=-1;
    for(var i=0;i<ths.length;i++){
      if(ths[i].getAttribute('data-key')===key){col=i;ths[i].setAttribute('aria-sort',desc?'descending':'ascending');}
      else{ths[i].removeAttribute('aria-sort');}
    }
    if(col<0)return false;
    var bodies=table.querySelectorAll('tbody');
    for(var b=0;b<bodies.length;b++){
      var rows=Array.prototype.slice.call(bodies[b].querySelectorAll('tr.row'));
      rows.sort(function(r1,r2){
        var a=val(r1.querySelectorAll('td.metric')[col]),c=val(r2.querySelectorAll('td.metric')[col]);
        if(a===null&&c===null)return r1.getAttribute('data-order')-r2.getAttribute('data-order');
        if(a===null)return 1;if(c===null)return -1;
        if(a!==c)return desc?c-a:a-c;
        return r1.getAttribute('data-order')-r2.getAttribute('data-order');
      });
      for(var r=0;r<rows.length;r++)bodies[b].appendChild(rows[r]);
    }
    table.setAttribute('data-sorted',key+(desc?' desc':' asc'));
    return true;
  }
  var heads=table.querySelectorAll('thead th.sortable');
  for(var i=0;i<heads.length;i++){
    heads[i].addEventListener('click',function(){
      var key=this.getAttribute('data-key');
      sortBy(key,this.getAttribute('aria-sort')!=='descending');
    });
  }
  var m=/^#sort=([^&]+)(?:&(asc|desc))?$/.exec(decodeURIComponent(location.hash));
  if(m)sortBy(m[1],m[2]!=='asc');
})();
"""

_EXTRA_CSS = "small.ci{color:#666;font-size:.8em;margin-left:.3em}sup.tie{color:#064}"
_TIE_TITLE = "not significantly different from the best reproduced value of this column"

_COLORS = ("#4477aa", "#ee6677", "#228833")


def render_html(table: Table) -> str:
    title = f"ovbench leaderboard: {table.benchmark} / {table.split}"
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f"<title>{escape(title)}</title>", f"<style>{_CSS}</style>"]
    if table.intervals or table.significance is not None:
        parts.append(f"<style>{_EXTRA_CSS}</style>")
    parts += ["</head>", "<body>",
             f"<h1>{escape(title)}</h1>", _table_html(table), _chart_svg(table), "<footer>"]
    parts += [f"<p>{escape(m)} {escape(meaning)}</p>" for m, meaning in table.legend]
    parts += [f"<p>{escape(line)}</p>" for line in table.footer]
    parts += ["</footer>", f"<script>{_JS}</script>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _table_html(table: Table) -> str:
    ncols = 1 + table.detector_flag + len(table.attribute_labels) + len(table.columns)
    head = ['<th class="method" scope="col">Method</th>']
    if table.detector_flag:
        head.append('<th scope="col">Pretrained det.</th>')
    head += [f'<th scope="col">{escape(a)}</th>' for a in table.attribute_labels]
    head += [f'<th class="sortable" scope="col" data-key="{escape(c.key)}" title="{escape(c.group)}: '
             f'{escape(c.label)}">{escape(c.label)}</th>' for c in table.columns]
    out = ['<table id="leaderboard">', "<thead><tr>" + "".join(head) + "</tr></thead>"]
    order = 0
    for section in table.sections:
        out.append(f'<tbody class="{section.kind}"><tr><th colspan="{ncols}">{escape(section.title)}</th></tr>')
        for row in section.rows:
            cells = [f'<td class="method" title="{escape(row.source)}">{escape(row.method + "".join(row.marks))}</td>']
            if table.detector_flag:
                det = "not stated" if row.pretrained_detector is None else ("yes" if row.pretrained_detector else "no")
                cells.append(f"<td>{det}</td>")
            cells += [f"<td>{escape(a)}</td>" for a in row.attributes]
            for c in row.cells:
                value = "" if c.value is None else fraction_text(c.value)
                cls = "metric best" if c.best else "metric"
                inner, tip = escape(c.text(table.digits)), ""
                if c.tie:
                    inner += f'<sup class="tie" title="{_TIE_TITLE}">{TIE_MARK}</sup>'
                if table.intervals and c.interval is not None:
                    ci = escape(c.interval_text(table.digits))
                    inner += f'<small class="ci">{ci}</small>'
                    tip = f' title="confidence interval {ci}"'
                cells.append(f'<td class="{cls}" data-value="{value}"{tip}>{inner}</td>')
            out.append(f'<tr class="row" data-order="{order}" data-method="{escape(row.method)}">'
                       + "".join(cells) + "</tr>")
            order += 1
        out.append("</tbody>")
    out.append("</table>")
    return "\n".join(out)


def _chart_svg(table: Table) -> str:
    """Grouped horizontal bars: one group per row, one bar per chart subset (percent)."""
    # rows without any charted value (e.g. a paper reporting full mAP only) are left out of the chart
    rows = [(s.kind, r) for s in table.sections for r in s.rows if any(v is not None for v in r.chart)]
    labels = table.chart_labels
    bar, gap, left, width = 12, 10, 190, 420
    height = 40 + len(rows) * (bar * len(labels) + gap) + 20
    out = [f'<h2>{escape(table.chart_title)}</h2>',
           f'<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}" height="{height}" '
           f'role="img" aria-label="{escape(table.chart_title)}">']
    for i, (label, color) in enumerate(zip(labels, _COLORS)):
        out.append(f'<rect x="{left + i * 90}" y="4" width="10" height="10" fill="{color}"/>'
                   f'<text x="{left + i * 90 + 14}" y="13">{escape(label)}</text>')
    for tick in range(0, 101, 25):
        x = left + width * tick / 100
        out.append(f'<line x1="{x:g}" y1="24" x2="{x:g}" y2="{height - 18}" stroke="#ddd"/>'
                   f'<text x="{x:g}" y="{height - 4}" text-anchor="middle">{tick}</text>')
    y = 30
    for kind, row in rows:
        name = row.method + "".join(row.marks) + (" (reproduced)" if kind == "reproduced" else "")
        out.append(f'<text x="{left - 6}" y="{y + bar * len(labels) / 2 + 4:g}" text-anchor="end">{escape(name)}</text>')
        for value, label, color in zip(row.chart, labels, _COLORS):
            if value is None:
                out.append(f'<text x="{left + 4}" y="{y + bar - 2}">{MISSING} ({escape(label)})</text>')
            else:
                w = width * float(min(max(value, Decimal(0)), Decimal(100))) / 100
                text = f"{label}: {value.quantize(Decimal('0.01'))}"
                out.append(f'<rect x="{left}" y="{y}" width="{w:.2f}" height="{bar - 2}" fill="{color}">'
                           f"<title>{escape(text)}</title></rect>"
                           f'<text x="{left + w + 4:.2f}" y="{y + bar - 3}">{value.quantize(Decimal("0.1"))}</text>')
            y += bar
        y += gap
    out.append("</svg>")
    return "\n".join(out)
