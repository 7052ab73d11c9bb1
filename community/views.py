from django.shortcuts import render

from accounts import selectors as account_selectors


def home(request):
    return render(
        request,
        "community/home.html",
        {
            "staff_members": account_selectors.staff_members(),
            "newest_members": account_selectors.newest_members(),
        },
    )


def search(request):
    query = request.GET.get("q", "").strip()[:200]
    return render(request, "community/search.html", {"query": query})
