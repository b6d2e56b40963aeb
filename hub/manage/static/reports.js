/* The report pages' charts (ES5, Apache ECharts served by the hub). The figures come from the
   page itself (a hidden element's data-json), the same as its tables. Tooltips use
   ECharts' rich-text mode: the console's Content-Security-Policy allows no inline styles. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var BRAND = "#b4232a", ACCENT = "#1d5fae";
  var FONT = '"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif';
  var charts = [];
  var printing = document.body.className.indexOf("monthly") >= 0;

  function read(id) {
    var block = document.getElementById(id);
    return block ? JSON.parse(block.getAttribute("data-json")) : null;
  }

  function start(id) {
    var box = document.getElementById(id);
    if (!box) { return null; }
    var chart = window.echarts.init(box, null, { renderer: printing ? "svg" : "canvas" });
    charts.push(chart);
    return chart;
  }

  function rows(data) {
    var chart = start("chart-rows");
    if (!chart || !data) { return; }
    chart.setOption({
      animation: !printing,
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { data: ["办结（件）", "差评（件）", "满意率（%）"], top: 0 },
      grid: { left: 40, right: 40, top: 40, bottom: 72 },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 8 ? 35 : 0 } },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, max: 100, splitLine: { show: false } }
      ],
      series: [
        { name: "办结（件）", type: "bar", data: data.served, itemStyle: { color: ACCENT } },
        { name: "差评（件）", type: "bar", data: data.bad, itemStyle: { color: BRAND } },
        { name: "满意率（%）", type: "line", yAxisIndex: 1, data: data.satisfaction, connectNulls: false, itemStyle: { color: "#2e9d4f" } }
      ]
    });
  }

  function heat(data) {
    var chart = start("chart-heat");
    if (!chart || !data || !data.heat) { return; }
    var points = [], max = 0, hours = [], first = 24, last = -1, w, h;
    for (w = 0; w < 7; w++) {
      for (h = 0; h < 24; h++) {
        if (data.heat.issued[w][h]) { first = Math.min(first, h); last = Math.max(last, h); }
      }
    }
    if (last < 0) { first = 8; last = 17; }
    for (h = first; h <= last; h++) { hours.push(h + "时"); }
    for (w = 0; w < 7; w++) {
      for (h = first; h <= last; h++) {
        var days = data.heat.days[w] || 1;
        var mean = Math.round(data.heat.issued[w][h] / days * 10) / 10;
        max = Math.max(max, mean);
        points.push([h - first, w, mean]);
      }
    }
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: FONT },
      tooltip: { renderMode: "richText", formatter: function (p) {
        return data.heat.weekdays[p.value[1]] + " " + hours[p.value[0]] + "：平均取号 " + p.value[2];
      } },
      grid: { left: 48, right: 16, top: 8, bottom: 64 },
      xAxis: { type: "category", data: hours, splitArea: { show: true } },
      yAxis: { type: "category", data: data.heat.weekdays, inverse: true, splitArea: { show: true } },
      visualMap: { min: 0, max: Math.max(1, max), calculable: true, orient: "horizontal", left: "center", bottom: 0,
                   inRange: { color: ["#f4f7fb", "#9ec1ea", ACCENT, "#0b2f5f"] } },
      series: [{ name: "平均取号", type: "heatmap", data: points }]
    });
  }

  function days(data) {
    var chart = start("chart-days");
    if (!chart || !data) { return; }
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "axis", renderMode: "richText" },
      grid: { left: 48, right: 16, top: 16, bottom: 56 },
      xAxis: { type: "category", data: data.labels, axisLabel: { rotate: 45 } },
      yAxis: { type: "value", name: "件", minInterval: 1 },
      series: [{ name: "办结", type: "line", data: data.served, itemStyle: { color: ACCENT }, areaStyle: { opacity: 0.15 } }]
    });
  }

  var report = read("report-data");
  rows(report);
  heat(report);
  days(read("days-data"));
  document.body.setAttribute("data-charts", String(charts.length));

  window.addEventListener("resize", function () {
    for (var i = 0; i < charts.length; i++) { charts[i].resize(); }
  });
  var print = document.getElementById("print");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
})();
