/* The public report page's map: a click (or tap) puts the point's lon/lat into the form's
   fields; the server places it in its county. The fields work without this script. */
(function () {
  function start() {
    var map = document.getElementById('report-map');
    if (!map) { return; }
    var pick = document.getElementById('report-pick');
    var lon = document.getElementById('lon');
    var lat = document.getElementById('lat');
    var text = document.getElementById('report-pick-text');
    var scale = parseFloat(map.getAttribute('data-x-scale'));
    function show(x, y) {
      pick.setAttribute('cx', x);
      pick.setAttribute('cy', y);
      pick.setAttribute('visibility', 'visible');
    }
    map.addEventListener('click', function (event) {
      var point = map.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var inMap = point.matrixTransform(map.getScreenCTM().inverse());
      var lo = (inMap.x / scale).toFixed(5);
      var la = (-inMap.y).toFixed(5);
      lon.value = lo;
      lat.value = la;
      show(inMap.x, inMap.y);
      text.textContent = '已选位置：经度 ' + lo + '，纬度 ' + la;
    });
    // A point typed (or kept from a refused submission) is shown too.
    function typed() {
      var lo = parseFloat(lon.value), la = parseFloat(lat.value);
      if (!isNaN(lo) && !isNaN(la)) { show(lo * scale, -la); }
    }
    lon.addEventListener('change', typed);
    lat.addEventListener('change', typed);
    typed();
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
