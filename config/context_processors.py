from django.conf import settings


def site(request):
    return {"SITE_NAME": settings.SITE_NAME, "SOCIAL_PROVIDERS_ENABLED": bool(settings.SOCIAL_PROVIDERS)}
