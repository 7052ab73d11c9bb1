"""The FAQ's signals: helpfulness, candidates, suggestions, staleness and deflection."""

urlpatterns: list = []
