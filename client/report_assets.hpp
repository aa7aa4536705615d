// The style sheet, script and pictures of the HTML report, written inline so
// that the file opens with no network access.
#pragma once

namespace pgm::client::report_assets {

// The page's mark (header and favicon): a stack of three migration layers.
inline constexpr const char* kLogoSvg =
    R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">)"
    R"(<rect x="4" y="4" width="24" height="6" rx="2" fill="#2f6fb3"/>)"
    R"(<rect x="4" y="13" width="24" height="6" rx="2" fill="#4c8fd6"/>)"
    R"(<rect x="4" y="22" width="24" height="6" rx="2" fill="#8dbbea"/></svg>)";

inline constexpr const char* kStyle = R"CSS(
:root{--ok:#1d7a3a;--ok-bg:#e3f4e8;--warn:#8a5a00;--warn-bg:#fff3d6;--bad:#b3261e;--bad-bg:#fde7e5;
--muted:#5f6b76;--line:#d9dee3;--bg:#fff;--fg:#1b1f24;--accent:#2f6fb3;--code:#f5f7f9}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header.page{display:flex;flex-wrap:wrap;align-items:center;gap:.6rem;padding:.8rem 1rem;border-bottom:1px solid var(--line)}
header.page h1{font-size:1.2rem;margin:0}
header.page .when{margin-left:auto;color:var(--muted);font-size:.85rem}
main{max-width:1100px;margin:0 auto;padding:0 1rem 2rem}
h2{font-size:1.15rem;margin:1.8rem 0 .4rem;overflow-wrap:anywhere}
h3{font-size:1rem;margin:1.2rem 0 .4rem}
a{color:var(--accent)}
.muted{color:var(--muted)}
.badges{display:flex;flex-wrap:wrap;gap:.35rem;margin:.4rem 0}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;border:1px solid var(--line);white-space:nowrap}
.badge.ok,.state-applied,.state-baseline{background:var(--ok-bg);color:var(--ok);border-color:#b9e0c4}
.badge.warn,.state-pending,.state-running,.risk-locking,.risk-breaking{background:var(--warn-bg);color:var(--warn);border-color:#f0d9a0}
.badge.bad,.state-failed,.state-changed,.state-missing,.risk-data_loss,.event-reverted{background:var(--bad-bg);color:var(--bad);border-color:#f3bcb6}
.attention{border-left:4px solid var(--bad);background:var(--bad-bg);padding:.5rem .8rem;margin:.6rem 0;border-radius:4px}
.attention.warn{border-left-color:#d89b00;background:var(--warn-bg)}
.attention p{margin:.2rem 0}
ol.timeline{list-style:none;margin:0;padding:0 0 0 1.1rem;border-left:2px solid var(--line)}
ol.timeline>li{position:relative;margin:0 0 .7rem;padding-left:.4rem}
ol.timeline>li::before{content:"";position:absolute;left:-1.55rem;top:.45rem;width:.7rem;height:.7rem;border-radius:50%;background:var(--ok);border:2px solid var(--bg)}
ol.timeline>li.event-reverted::before{background:var(--bad)}
ol.timeline>li.event-baseline::before,ol.timeline>li.event-adopted::before,ol.timeline>li.event-repaired::before{background:var(--accent)}
ol.timeline>li.event-reverted{background:none}
.line1{display:flex;flex-wrap:wrap;gap:.35rem;align-items:baseline}
.line1 .version{font-weight:600;font-family:ui-monospace,Menlo,Consolas,monospace}
.line2{color:var(--muted);font-size:.85rem}
details{margin:.3rem 0}
summary{cursor:pointer;color:var(--accent);font-size:.9rem}
pre{background:var(--code);border:1px solid var(--line);border-radius:4px;padding:.5rem;margin:.3rem 0;
white-space:pre-wrap;overflow-wrap:anywhere;font:12.5px/1.4 ui-monospace,Menlo,Consolas,monospace}
ol.statements{padding-left:1.4rem;margin:.3rem 0}
ol.statements li{margin:.4rem 0}
ul.objects{margin:.1rem 0;padding-left:1.1rem;font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid var(--line);padding:.3rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{font-weight:600;background:#f7f8fa}
.scroll{overflow-x:auto;max-width:100%;border:1px solid var(--line);border-radius:4px}
table.matrix{width:auto;font-size:.85rem}
table.matrix th.db,table.matrix td.db{position:sticky;left:0;background:var(--bg);min-width:9rem;max-width:16rem;z-index:1}
table.matrix th.v{writing-mode:vertical-rl;transform:rotate(180deg);font-family:ui-monospace,Menlo,Consolas,monospace;font-weight:500;padding:.4rem .2rem}
table.matrix td.cell{text-align:center;min-width:1.7rem;padding:.25rem .15rem;font-weight:600}
td.cell.state-applied,td.cell.state-baseline{color:var(--ok)}
td.cell.state-pending{color:#9aa4ad;background:none}
td.cell.state-failed{background:var(--bad);color:#fff}
td.cell.state-changed,td.cell.state-missing{background:var(--bad-bg)}
tr.unreadable td.error{color:var(--bad)}
.legend{font-size:.85rem;color:var(--muted);margin:.4rem 0}
.controls{display:flex;flex-wrap:wrap;gap:.8rem;align-items:center;margin:.6rem 0;font-size:.9rem}
section.database{margin-top:1rem}
#fleet~section.database{border-top:2px solid var(--line);margin-top:2rem}
td.ver{white-space:nowrap;font-family:ui-monospace,Menlo,Consolas,monospace}
@media (max-width:640px){
 body{font-size:14px}
 main{padding:0 .6rem 1.5rem}
 table.cards thead{display:none}
 table.cards tr{display:block;border-bottom:1px solid var(--line);padding:.3rem 0}
 table.cards td{display:block;border:none;padding:.1rem .2rem}
 table.cards td[data-label]::before{content:attr(data-label) ": ";color:var(--muted)}
}
@media print{
 .controls,.no-print{display:none!important}
 body{font-size:11pt}
 main{max-width:none}
 .scroll{overflow:visible;border:none}
 #fleet~section.database{break-before:page}
 ol.timeline>li,tr{break-inside:avoid}
 a{color:inherit;text-decoration:none}
 pre{white-space:pre-wrap}
}
)CSS";

// Opens every <details> before printing (and closes them after), a filter for
// the fleet's databases that need attention, and an "expand all" button.
inline constexpr const char* kScript = R"JS(
(function(){
 var opened=[];
 window.addEventListener('beforeprint',function(){
  document.querySelectorAll('details:not([open])').forEach(function(d){d.open=true;opened.push(d);});});
 window.addEventListener('afterprint',function(){opened.forEach(function(d){d.open=false;});opened=[];});
 var only=document.getElementById('only-attention');
 if(only){only.addEventListener('change',function(){
  document.querySelectorAll('table.matrix tbody tr').forEach(function(tr){
   tr.hidden=only.checked&&tr.dataset.attention!=='yes';});
  var shown=document.querySelectorAll('table.matrix tbody tr:not([hidden])').length;
  document.getElementById('shown-count').textContent=shown;});}
 var all=document.getElementById('expand-all');
 if(all){all.addEventListener('click',function(){
  var open=all.dataset.open!=='yes';
  document.querySelectorAll('details').forEach(function(d){d.open=open;});
  all.dataset.open=open?'yes':'no';all.textContent=open?'Collapse all':'Expand all';});}
 document.documentElement.classList.add('js');
})();
)JS";

}  // namespace pgm::client::report_assets
