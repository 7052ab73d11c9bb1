"""The benchmark's ceiling: a bare page through the full middleware stack.

`make bench` compares every real page with this one. config/urls.py mounts it
at /_bench/ceiling/ only when settings.BENCHMARK is on (BENCHMARK=true).
"""

from django.http import HttpResponse


def ceiling(request):
    return HttpResponse("ok", content_type="text/plain")
