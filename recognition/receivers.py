"""Events from community, moderation and faq, turned into points and badges."""


def connect() -> None:
    pass
